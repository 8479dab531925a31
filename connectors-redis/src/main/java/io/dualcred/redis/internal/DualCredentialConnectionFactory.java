package io.dualcred.redis.internal;

import java.util.Objects;
import org.apache.commons.pool2.PooledObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;

/**
 * The connection factory behind a dual-credential {@code RedisClient}: Jedis's own {@link ConnectionFactory},
 * except that connections are made through the rotation engine and retired by generation (see
 * {@link RotatingConnections}). It is plugged in with {@code new PooledConnectionProvider(factory, poolConfig)}.
 */
public final class DualCredentialConnectionFactory extends ConnectionFactory {

    private final RotatingConnections<Connection> connections;

    /**
     * @param socketFactory the socket factory, as for a plain {@link ConnectionFactory}
     * @param clientConfig the client settings without credentials
     * @param connections the shared rotation bookkeeping
     */
    public DualCredentialConnectionFactory(JedisSocketFactory socketFactory, JedisClientConfig clientConfig,
                                           RotatingConnections<Connection> connections) {
        super(socketFactory, clientConfig);
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    @Override
    public PooledObject<Connection> makeObject() throws Exception {
        return connections.open();
    }

    @Override
    public void destroyObject(PooledObject<Connection> pooled) throws Exception {
        connections.destroyed(pooled);
        super.destroyObject(pooled);
    }

    @Override
    public void activateObject(PooledObject<Connection> pooled) throws Exception {
        connections.checkBeforeLending(pooled);
        super.activateObject(pooled);
    }

    @Override
    public void passivateObject(PooledObject<Connection> pooled) throws Exception {
        connections.checkOnReturn(pooled);
        super.passivateObject(pooled);
    }

    @Override
    public boolean validateObject(PooledObject<Connection> pooled) {
        return !connections.isRetired(pooled) && super.validateObject(pooled);
    }
}
