package io.dualcred.redis.internal;

import java.util.Objects;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One node's connection pool in a dual-credential Sentinel or Cluster client: Jedis's own {@link ConnectionPool},
 * made by a {@link DualCredentialConnectionFactory}, except that a caller queued for a connection learns within a
 * quarter of a second that every credential is rejected (see {@link RotatingConnections#borrow}).
 */
public final class RotatingConnectionPool extends ConnectionPool {

    private final RotatingConnections<Connection> connections;

    /**
     * @param factory the node's connection factory
     * @param poolConfig the pool settings
     * @param connections the node's rotation bookkeeping
     */
    public RotatingConnectionPool(DualCredentialConnectionFactory factory, GenericObjectPoolConfig<Connection> poolConfig,
                                  RotatingConnections<Connection> connections) {
        super(factory, poolConfig);
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /** @return the node's rotation bookkeeping */
    public RotatingConnections<Connection> connections() {
        return connections;
    }

    @Override
    public Connection getResource() {
        return lend(this, connections);
    }

    /**
     * What {@code ConnectionPool.getResource()} does, with the wait of {@link RotatingConnections#borrow}.
     *
     * @param pool the pool to borrow from
     * @param connections its rotation bookkeeping
     * @return a connection that returns to {@code pool} when closed
     */
    static Connection lend(ConnectionPool pool, RotatingConnections<Connection> connections) {
        Connection connection;
        try {
            connection = connections.borrow(pool, pool.getMaxWaitDuration(), wait -> pool.borrowObject(wait));
        } catch (JedisException e) {
            throw e;
        } catch (Exception e) {
            throw new JedisException("Could not get a resource from the pool", e);
        }
        connection.setHandlingPool(pool);
        return connection;
    }
}
