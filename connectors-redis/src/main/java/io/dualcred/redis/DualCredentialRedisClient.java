package io.dualcred.redis;

import io.dualcred.redis.internal.RotatingConnections;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Objects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;

/**
 * A Jedis {@link RedisClient} whose connections survive password rotation, with its rotation controls. Built by
 * {@link DualCredentialRedis.Builder#buildClient()}.
 *
 * <p>Use {@link #client()} exactly like a {@code RedisClient} built by Jedis: it is one, with a connection pool
 * whose connections log in through the rotation engine. Close this object (not only the client) when done, so
 * that the engine's watch and refresh schedule stop and its MBean is unregistered.
 */
public final class DualCredentialRedisClient implements AutoCloseable {

    private final RedisClient client;
    private final RotationEngine engine;
    private final RotatingConnections<Connection> connections;

    DualCredentialRedisClient(RedisClient client, RotationEngine engine, RotatingConnections<Connection> connections) {
        this.client = Objects.requireNonNull(client, "client");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /** @return the client; thread-safe, share it */
    public RedisClient client() {
        return client;
    }

    /**
     * @return status, refresh and eviction of this client's credentials and connections (also over JMX when the
     *     MBean is registered)
     */
    public RotationControl rotation() {
        return engine.control();
    }

    /** Closes the client and its pool, then the rotation engine. Idempotent. */
    @Override
    public void close() {
        try {
            connections.close();
            client.close();
        } finally {
            engine.close();
        }
    }

    @Override
    public String toString() {
        return "DualCredentialRedisClient[" + engine.poolName() + "]";
    }
}
