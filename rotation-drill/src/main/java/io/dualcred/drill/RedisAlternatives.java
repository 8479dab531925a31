package io.dualcred.drill;

import java.nio.file.Path;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultRedisCredentials;
import redis.clients.jedis.RedisCredentialsProvider;

/**
 * What a careful team writes without dualcred to let a Jedis client follow a secret store: the bar dualcred has to
 * clear. It lives in the drill, not in the library.
 */
final class RedisAlternatives {

    private RedisAlternatives() {
    }

    /**
     * Jedis's own extension point: a {@code RedisCredentialsProvider}, consulted once for every new connection, that
     * reads the store's CURRENT. Connections already open keep the credential they authenticated with.
     */
    static DefaultJedisClientConfig.Builder provider(DefaultJedisClientConfig.Builder config, Path secrets) {
        RedisCredentialsProvider provider = () -> {
            StoreReader.Current current = StoreReader.current(secrets);
            return new DefaultRedisCredentials(current.user(), current.password());
        };
        return config.credentialsProvider(provider);
    }
}
