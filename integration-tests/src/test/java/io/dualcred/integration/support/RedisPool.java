package io.dualcred.integration.support;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.redis.RedisCredentialsRejectedException;
import io.dualcred.rotation.RotationControl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/** A dual-credential Jedis {@code RedisClient} or {@code JedisPool} on the Redis server under test. */
final class RedisPool implements PoolUnderTest {

    /** How long {@link #expireConnections()} keeps clearing the pool. */
    private static final Duration EXPIRY_LIMIT = Duration.ofSeconds(5);

    private final PoolKind kind;
    private final String name;
    private final AutoCloseable closeable;
    private final RotationControl rotation;
    private final GenericObjectPool<?> pool;
    private final Work work;
    private final int maximumSize;

    /** What one flavour does for one unit of work and for "who am I". */
    private interface Work {
        void setAndGet(String key, String value);

        String whoAmI();
    }

    private RedisPool(PoolKind kind, String name, AutoCloseable closeable, RotationControl rotation,
                      GenericObjectPool<?> pool, Work work, int maximumSize) {
        this.kind = kind;
        this.name = name;
        this.closeable = closeable;
        this.rotation = rotation;
        this.pool = pool;
        this.work = work;
        this.maximumSize = maximumSize;
    }

    static RedisPool open(PoolKind kind, ServerAdmin admin, PoolSpec spec) {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                .hostAndPort(admin.host(), admin.port())
                .poolName(spec.name())
                .credentialSource(spec.source())
                .rotation(spec.rotation())
                .registerMBean(spec.mbeans())
                .maxTotal(spec.size())
                .maxIdle(spec.size())
                .maxWait(spec.connectionTimeout())
                .timeout(Duration.ofSeconds(5))
                .listener(Exposure::event);
        spec.listeners().forEach(builder::listener);
        if (kind == PoolKind.REDIS_CLIENT) {
            DualCredentialRedisClient redis = builder.buildClient();
            RedisClient client = redis.client();
            Work work = new Work() {
                @Override
                public void setAndGet(String key, String value) {
                    client.set(key, value);
                    check(value, client.get(key));
                }

                @Override
                public String whoAmI() {
                    Object reply = client.sendCommand(Protocol.Command.ACL, "WHOAMI");
                    return new String((byte[]) reply, StandardCharsets.UTF_8);
                }
            };
            return new RedisPool(kind, spec.name(), redis, redis.rotation(), client.getPool(), work, spec.size());
        }
        DualCredentialJedisPool jedisPool = builder.buildPool();
        Work work = new Work() {
            @Override
            public void setAndGet(String key, String value) {
                try (Jedis jedis = jedisPool.getResource()) {
                    jedis.set(key, value);
                    check(value, jedis.get(key));
                }
            }

            @Override
            public String whoAmI() {
                try (Jedis jedis = jedisPool.getResource()) {
                    return jedis.aclWhoAmI();
                }
            }
        };
        return new RedisPool(kind, spec.name(), jedisPool, jedisPool.rotation(), jedisPool, work, spec.size());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PoolKind kind() {
        return kind;
    }

    @Override
    public void operation(int worker) {
        work.setAndGet(name + ":" + worker, Long.toString(System.nanoTime()));
    }

    @Override
    public String loggedInAs() {
        return work.whoAmI();
    }

    @Override
    public RotationControl rotation() {
        return rotation;
    }

    /**
     * commons-pool's {@code clear()} destroys only the connections idle at that instant, and under load a connection
     * is idle only between a return and the next borrow; so it is repeated, for at most {@link #EXPIRY_LIMIT}, until
     * as many connections were destroyed as the pool held when it began: then it has had to log in that many times.
     */
    @Override
    public int expireConnections() {
        long destroyedBefore = pool.getDestroyedCount();
        int held = connections();
        long deadline = System.nanoTime() + EXPIRY_LIMIT.toNanos();
        int destroyed = 0;
        while (destroyed < held && System.nanoTime() - deadline < 0) {
            pool.clear();
            destroyed = (int) (pool.getDestroyedCount() - destroyedBefore);
            LockSupport.parkNanos(200_000);   // a fifth of a millisecond: let the load return connections
        }
        return destroyed;
    }

    @Override
    public int connections() {
        // Live objects are created minus destroyed; reading "created" first never overstates the count, whereas
        // numActive + numIdle, two reads of moving counts, can add up to more than the pool ever held.
        long created = pool.getCreatedCount();
        return (int) (created - pool.getDestroyedCount());
    }

    @Override
    public int maximumSize() {
        return maximumSize;
    }

    @Override
    public boolean isEveryCredentialRejected(Throwable failure) {
        return failure instanceof RedisCredentialsRejectedException;
    }

    @Override
    public void close() {
        try {
            closeable.close();
        } catch (Exception e) {
            throw new IllegalStateException(name + " did not close: " + e, e);
        }
    }

    @Override
    public String toString() {
        return closeable.toString();
    }

    private static void check(String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            throw new IllegalStateException("read back " + actual + ", expected " + expected);
        }
    }
}
