package io.dualcred.redis.internal;

import java.util.Objects;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.PooledObjectFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * The object factory behind a dual-credential {@code JedisPool}. It behaves like Jedis's own {@code JedisFactory}
 * (re-select the configured database on lease, PING to validate), except that connections are made through the
 * rotation engine and retired by generation (see {@link RotatingConnections}).
 */
public final class DualCredentialJedisFactory implements PooledObjectFactory<Jedis> {

    private static final Logger LOG = LoggerFactory.getLogger(DualCredentialJedisFactory.class);

    private final String poolName;
    private final RotatingConnections<Jedis> connections;
    private final int database;

    /**
     * @param poolName the pool name, for log lines
     * @param connections the shared rotation bookkeeping, wrapping each connection in a {@link Jedis}
     * @param database the database every lease starts in
     */
    public DualCredentialJedisFactory(String poolName, RotatingConnections<Jedis> connections, int database) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.database = database;
    }

    @Override
    public PooledObject<Jedis> makeObject() throws Exception {
        return connections.open();
    }

    @Override
    public void activateObject(PooledObject<Jedis> pooled) throws Exception {
        connections.checkBeforeLending(pooled);
        Jedis jedis = pooled.getObject();
        if (jedis.getDB() != database) {
            jedis.select(database);
        }
    }

    @Override
    public void passivateObject(PooledObject<Jedis> pooled) throws Exception {
        connections.checkOnReturn(pooled);
    }

    @Override
    public boolean validateObject(PooledObject<Jedis> pooled) {
        if (connections.isRetired(pooled)) {
            return false;
        }
        Jedis jedis = pooled.getObject();
        try {
            return jedis.getConnection().isConnected() && "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            LOG.debug("{} - validating a pooled connection failed: {}", poolName, e.toString());
            return false;
        }
    }

    @Override
    public void destroyObject(PooledObject<Jedis> pooled) {
        connections.destroyed(pooled);
        // Close the socket directly: Jedis.close() would hand a leased object back to its pool.
        try {
            pooled.getObject().getConnection().close();
        } catch (RuntimeException e) {
            LOG.debug("{} - closing a pooled connection failed: {}", poolName, e.toString());
        }
    }
}
