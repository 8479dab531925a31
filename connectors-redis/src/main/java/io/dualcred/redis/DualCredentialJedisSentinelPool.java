package io.dualcred.redis;

import io.dualcred.redis.internal.RotatingConnections;
import io.dualcred.redis.internal.SentinelEngines;
import io.dualcred.redis.internal.SentinelJedisFactory;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSentinelPool;

/**
 * A legacy {@link JedisSentinelPool} whose connections to the primary, and to the Sentinels, survive password
 * rotation. Built by {@link SentinelBuilder#buildPool()}; use it wherever a {@code JedisSentinelPool} is expected.
 *
 * <p>When every credential is rejected, {@link #getResource()} throws a {@link RedisCredentialsRejectedException}
 * naming the primary. Closing the pool also closes the rotation engines.
 */
public final class DualCredentialJedisSentinelPool extends JedisSentinelPool {

    private final SentinelEngines engines;
    private final RotatingConnections<Jedis> connections;

    DualCredentialJedisSentinelPool(String masterName, Set<HostAndPort> sentinels,
                                    GenericObjectPoolConfig<Jedis> poolConfig, SentinelJedisFactory factory,
                                    JedisClientConfig sentinelConfig, RotationEngine engine,
                                    RotationEngine sentinelEngine, RotatingConnections<Jedis> connections) {
        super(masterName, sentinels, poolConfig, factory, sentinelConfig);
        this.engines = new SentinelEngines(engine, sentinelEngine);
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /**
     * Borrows as {@code JedisSentinelPool} does, except that a caller queued for a connection learns within a
     * quarter of a second that every credential is rejected, rather than after {@code maxWait}.
     */
    @Override
    public Jedis borrowObject(Duration borrowMaxWaitDuration) throws Exception {
        return connections.borrow(this, borrowMaxWaitDuration, wait -> super.borrowObject(wait));
    }

    /** @return status, refresh and eviction of the data nodes' credentials and connections */
    public RotationControl rotation() {
        return engines.data().control();
    }

    /** @return status and refresh of the Sentinels' own credentials, when they have any */
    public Optional<RotationControl> sentinelRotation() {
        return engines.sentinelControl();
    }

    /** Closes the pool, its Sentinel listeners and connections, then the rotation engines. Idempotent. */
    @Override
    public void destroy() {
        try {
            connections.close();
            super.destroy();
        } finally {
            engines.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialJedisSentinelPool[" + engines.data().poolName() + "]";
    }
}
