package io.dualcred.spring.boot;

import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.rotation.CredentialSources;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.util.Pool;

/**
 * With {@code dualcred.redis.credential-source} set, Spring Data Redis borrows its connections from a
 * {@link DualCredentialJedisPool} built from {@code spring.data.redis.*}: url or host and port, database, ssl,
 * timeout, connect-timeout, client-name and jedis.pool. What it cannot honour fails the start naming the property:
 * username and password, also as a url's user info (the credential source supplies them), sentinel and cluster (the
 * connector has clients for them, the starter does not configure them yet), master-replica, an SSL bundle, and
 * client-type lettuce.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({DualCredentialRedis.class, JedisConnectionFactory.class, DataRedisProperties.class})
@ConditionalOnProperty("dualcred.redis.credential-source")
@EnableConfigurationProperties({DualcredProperties.class, DataRedisProperties.class})
public class DualcredRedisAutoConfiguration {

    /**
     * @param redis {@code spring.data.redis.*}
     * @param dualcred {@code dualcred.*}
     * @return the pool; it connects at the first borrow
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public DualCredentialJedisPool dualcredRedisPool(DataRedisProperties redis, DualcredProperties dualcred) {
        checkSupported(redis);
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                .credentialSource(CredentialSources.fromUri(dualcred.getRedis().getCredentialSource()))
                .rotation(dualcred.getRotation().toConfig())
                .poolName("redis");
        if (redis.getUrl() != null) {
            builder.uri(redis.getUrl());
        } else {
            builder.hostAndPort(redis.getHost(), redis.getPort()).database(redis.getDatabase());
        }
        if (redis.getSsl().isEnabled()) {
            builder.ssl(true);
        }
        if (redis.getTimeout() != null) {
            builder.socketTimeout(redis.getTimeout());
        }
        if (redis.getConnectTimeout() != null) {
            builder.connectionTimeout(redis.getConnectTimeout());
        }
        if (redis.getClientName() != null) {
            builder.clientName(redis.getClientName());
        }
        builder.poolConfig(poolConfig(redis.getJedis().getPool()));
        return builder.buildPool();
    }

    /**
     * @param pool the dual-credential pool
     * @param redis {@code spring.data.redis.*}, for the database Spring Data Redis selects
     * @return Spring Data Redis's Jedis connection factory, lending from {@code pool}
     */
    @Bean
    @ConditionalOnMissingBean(RedisConnectionFactory.class)
    public JedisConnectionFactory redisConnectionFactory(DualCredentialJedisPool pool, DataRedisProperties redis) {
        RedisStandaloneConfiguration standalone = new RedisStandaloneConfiguration();
        // Spring's connections select this database themselves, so it must be the one the pool's connections use.
        standalone.setDatabase(redis.getUrl() != null ? databaseOf(parse(redis.getUrl())) : redis.getDatabase());
        return new PoolLendingJedisConnectionFactory(standalone, pool);
    }

    private static void checkSupported(DataRedisProperties redis) {
        refuse(redis.getUrl() != null && parse(redis.getUrl()) == null, "spring.data.redis.url",
                "it is not a valid URI", "Write it as redis://host:6379/0 or rediss://host:6380/0.");
        refuse(redis.getUrl() != null && parse(redis.getUrl()).getRawUserInfo() != null, "spring.data.redis.url",
                "its user info (user:password@) holds a credential, and dualcred.redis.credential-source supplies them",
                "Remove the user and password from spring.data.redis.url (e.g. redis://host:6379/0) and put them in "
                        + "the credential source.");
        refuse(redis.getUsername() != null, "spring.data.redis.username",
                "dualcred.redis.credential-source supplies the username",
                "Remove spring.data.redis.username; put the user in the credential source.");
        refuse(redis.getPassword() != null, "spring.data.redis.password",
                "dualcred.redis.credential-source supplies the passwords",
                "Remove spring.data.redis.password; put the passwords in the credential source.");
        refuse(redis.getSentinel() != null, "spring.data.redis.sentinel",
                "the starter does not configure Redis Sentinel yet",
                "Build the client with DualCredentialRedis.builder().sentinel(...) as a bean of your own, connect to "
                        + "the primary with spring.data.redis.host/port, or remove dualcred.redis.credential-source.");
        refuse(redis.getCluster() != null, "spring.data.redis.cluster",
                "the starter does not configure Redis Cluster yet",
                "Build the client with DualCredentialRedis.builder().cluster(...) as a bean of your own, or remove "
                        + "spring.data.redis.cluster or dualcred.redis.credential-source.");
        refuse(redis.getMasterreplica() != null && !isEmpty(redis.getMasterreplica().getNodes()),
                "spring.data.redis.masterreplica", "dualcred does not support master-replica yet",
                "Remove spring.data.redis.masterreplica.nodes, or remove dualcred.redis.credential-source.");
        refuse(redis.getSsl().getBundle() != null, "spring.data.redis.ssl.bundle",
                "dualcred does not read SSL bundles yet",
                "Use spring.data.redis.ssl.enabled=true with the JVM's trust store, or remove the bundle.");
        refuse(redis.getClientType() == DataRedisProperties.ClientType.LETTUCE, "spring.data.redis.client-type",
                "dualcred's Redis pool is a Jedis pool", "Remove spring.data.redis.client-type or set it to jedis.");
    }

    /** @return the database a {@code redis://host:port/3} URL names, 0 when it names none */
    private static int databaseOf(URI url) {
        String path = url.getPath();
        return path == null || path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
    }

    /** @return the URL as a URI, or {@code null} when it is not one (the message must not repeat it) */
    private static URI parse(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean isEmpty(List<String> nodes) {
        return nodes == null || nodes.isEmpty();
    }

    private static void refuse(boolean set, String property, String reason, String action) {
        if (set) {
            throw new InvalidDualcredPropertyException(property, reason, action);
        }
    }

    private static JedisPoolConfig poolConfig(DataRedisProperties.Pool pool) {
        JedisPoolConfig config = new JedisPoolConfig();
        config.setMaxTotal(pool.getMaxActive());
        config.setMaxIdle(pool.getMaxIdle());
        config.setMinIdle(pool.getMinIdle());
        if (pool.getMaxWait() != null) {
            config.setMaxWait(pool.getMaxWait());
        }
        Duration evictionRuns = pool.getTimeBetweenEvictionRuns();
        if (evictionRuns != null) {
            config.setTimeBetweenEvictionRuns(evictionRuns);
        }
        return config;
    }

    /** Spring Data Redis's factory, lending from the dual-credential pool instead of a pool of its own. */
    static final class PoolLendingJedisConnectionFactory extends JedisConnectionFactory {

        private final DualCredentialJedisPool pool;

        PoolLendingJedisConnectionFactory(RedisStandaloneConfiguration standalone, DualCredentialJedisPool pool) {
            super(standalone, JedisClientConfiguration.builder().usePooling().build());
            this.pool = pool;
        }

        @Override
        protected Pool<Jedis> createRedisPool() {
            return pool;
        }
    }
}
