package io.dualcred.testservers;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/** Jedis connections as an application would open them. */
final class RedisClients {

    private RedisClients() {
    }

    /** Connects and authenticates as {@code user}; {@code user == null} sends requirepass-style {@code AUTH pw}. */
    static Jedis connect(RedisServer server, String user, String password, String clientName) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .timeoutMillis(5_000)
                .user(user)
                .password(password)
                .clientName(clientName);
        Jedis jedis = new Jedis(new HostAndPort(server.host(), server.port()), config.build());
        jedis.ping();
        return jedis;
    }

    static Jedis connect(RedisServer server, String user, String password) {
        return connect(server, user, password, null);
    }
}
