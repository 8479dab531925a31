package io.dualcred.redis;

import io.dualcred.redis.internal.NodePools;
import io.dualcred.redis.internal.SentinelEngines;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Objects;
import java.util.Optional;
import redis.clients.jedis.RedisSentinelClient;

/**
 * A Jedis {@link RedisSentinelClient} whose connections to the primary, and to the Sentinels, survive password
 * rotation, with its rotation controls. Built by {@link SentinelBuilder#buildClient()}.
 *
 * <p>Use {@link #client()} exactly like a {@code RedisSentinelClient} built by Jedis. Close this object (not only the
 * client) when done, so that the engines' watches and refresh schedules stop.
 */
public final class DualCredentialRedisSentinelClient implements AutoCloseable {

    private final RedisSentinelClient client;
    private final SentinelEngines engines;
    private final NodePools pools;

    DualCredentialRedisSentinelClient(RedisSentinelClient client, RotationEngine engine, RotationEngine sentinelEngine,
                                      NodePools pools) {
        this.client = Objects.requireNonNull(client, "client");
        this.engines = new SentinelEngines(engine, sentinelEngine);
        this.pools = Objects.requireNonNull(pools, "pools");
    }

    /** @return the client; thread-safe, share it */
    public RedisSentinelClient client() {
        return client;
    }

    /** @return status, refresh and eviction of the data nodes' credentials and connections */
    public RotationControl rotation() {
        return engines.data().control();
    }

    /** @return status and refresh of the Sentinels' own credentials, when they have any */
    public Optional<RotationControl> sentinelRotation() {
        return engines.sentinelControl();
    }

    /** Closes the client, its Sentinel listeners and pools, then the rotation engines. Idempotent. */
    @Override
    public void close() {
        try {
            client.close();
            pools.close();
        } finally {
            engines.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialRedisSentinelClient[" + engines.data().poolName() + "]";
    }
}
