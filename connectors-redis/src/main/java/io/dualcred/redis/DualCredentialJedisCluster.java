package io.dualcred.redis;

import io.dualcred.redis.internal.NodePools;
import io.dualcred.redis.internal.RotatingClusterConnectionProvider;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.Objects;
import redis.clients.jedis.JedisCluster;

/**
 * A legacy {@link JedisCluster} whose connections to every node survive password rotation. Built by
 * {@link ClusterBuilder#buildJedisCluster()}; use it wherever a {@code JedisCluster} is expected. Closing it also
 * closes the node pools and the rotation engine.
 */
public final class DualCredentialJedisCluster extends JedisCluster {

    private final RotationEngine engine;
    private final NodePools pools;

    DualCredentialJedisCluster(RotatingClusterConnectionProvider provider, int maxAttempts,
                               Duration maxTotalRetriesDuration, RotationEngine engine, NodePools pools) {
        super(provider, maxAttempts, maxTotalRetriesDuration);
        this.engine = Objects.requireNonNull(engine, "engine");
        this.pools = Objects.requireNonNull(pools, "pools");
    }

    /**
     * @return status, refresh and eviction of the credentials and the connections to every node (also over JMX when
     *     the MBean is registered)
     */
    public RotationControl rotation() {
        return engine.control();
    }

    /** Closes the client and every node pool, then the rotation engine. Idempotent. */
    @Override
    public void close() {
        try {
            super.close();
            pools.close();
        } finally {
            engine.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialJedisCluster[" + engine.poolName() + "]";
    }
}
