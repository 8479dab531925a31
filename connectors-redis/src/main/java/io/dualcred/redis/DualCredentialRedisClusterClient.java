package io.dualcred.redis;

import io.dualcred.redis.internal.NodePools;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Objects;
import redis.clients.jedis.RedisClusterClient;

/**
 * A Jedis {@link RedisClusterClient} whose connections to every node survive password rotation, with its rotation
 * controls. Built by {@link ClusterBuilder#buildClient()}.
 *
 * <p>Use {@link #client()} exactly like a {@code RedisClusterClient} built by Jedis. Close this object (not only the
 * client) when done, so that the engine's watch and refresh schedule stop.
 */
public final class DualCredentialRedisClusterClient implements AutoCloseable {

    private final RedisClusterClient client;
    private final RotationEngine engine;
    private final NodePools pools;

    DualCredentialRedisClusterClient(RedisClusterClient client, RotationEngine engine, NodePools pools) {
        this.client = Objects.requireNonNull(client, "client");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.pools = Objects.requireNonNull(pools, "pools");
    }

    /** @return the client; thread-safe, share it */
    public RedisClusterClient client() {
        return client;
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
            client.close();
            pools.close();
        } finally {
            engine.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialRedisClusterClient[" + engine.poolName() + "]";
    }
}
