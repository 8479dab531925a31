package io.dualcred.redis;

import io.dualcred.redis.internal.RotatingConnections;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.Objects;
import org.apache.commons.pool2.PooledObjectFactory;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * A {@link JedisPool} whose connections survive password rotation. Built by
 * {@link DualCredentialRedis.Builder#buildPool()}; use it wherever a {@code JedisPool} is expected
 * ({@code try (Jedis jedis = pool.getResource()) { ... }}).
 *
 * <p>When every credential is rejected, {@link #getResource()} throws a {@link RedisCredentialsRejectedException}
 * (a {@code JedisAccessControlException}) instead of a generic pool error. Closing the pool also closes the
 * rotation engine.
 */
public final class DualCredentialJedisPool extends JedisPool {

    private final RotationEngine engine;
    private final RotatingConnections<Jedis> connections;

    DualCredentialJedisPool(GenericObjectPoolConfig<Jedis> poolConfig, PooledObjectFactory<Jedis> factory,
                            RotationEngine engine, RotatingConnections<Jedis> connections) {
        super(poolConfig, factory);
        this.engine = Objects.requireNonNull(engine, "engine");
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /**
     * Borrows as {@code JedisPool} does, except that a caller queued for a connection learns within a quarter of a
     * second that every credential is rejected, rather than after {@code maxWait}. {@link #getResource()} comes here.
     */
    @Override
    public Jedis borrowObject(Duration borrowMaxWaitDuration) throws Exception {
        return connections.borrow(this, borrowMaxWaitDuration, wait -> super.borrowObject(wait));
    }

    /**
     * @return status, refresh and eviction of this pool's credentials and connections (also over JMX when the MBean
     *     is registered)
     */
    public RotationControl rotation() {
        return engine.control();
    }

    /** Closes the pool's connections, then the rotation engine. {@link #close()} comes here too. Idempotent. */
    @Override
    public void destroy() {
        try {
            connections.close();
            super.destroy();
        } finally {
            engine.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialJedisPool[" + engine.poolName() + "]";
    }
}
