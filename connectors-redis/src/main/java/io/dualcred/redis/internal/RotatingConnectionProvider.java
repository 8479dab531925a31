package io.dualcred.redis.internal;

import java.util.Objects;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * The connection provider of a dual-credential {@code RedisClient}: Jedis's own, except that a command queued for a
 * connection learns within a quarter of a second that every credential is rejected, instead of waiting for
 * {@code maxWait} (see {@link RotatingConnections#borrow}).
 */
public final class RotatingConnectionProvider extends PooledConnectionProvider {

    private final RotatingConnections<Connection> connections;

    /**
     * @param factory the connection factory
     * @param poolConfig the pool settings
     * @param connections the shared rotation bookkeeping
     */
    public RotatingConnectionProvider(DualCredentialConnectionFactory factory,
                                      GenericObjectPoolConfig<Connection> poolConfig,
                                      RotatingConnections<Connection> connections) {
        super(factory, poolConfig);
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    @Override
    public Connection getConnection() {
        return borrow();
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return borrow();
    }

    private Connection borrow() {
        return RotatingConnectionPool.lend((ConnectionPool) getPool(), connections);
    }
}
