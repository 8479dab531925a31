package io.dualcred.postgres.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.dualcred.rotation.spi.ConnectionReplacer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HikariCP as the {@link ConnectionReplacer} sees it. HikariCP retires one connection only through
 * {@link HikariDataSource#evictConnection(Connection)} on a borrowed connection, and refills by itself: closing a
 * connection makes its adder thread ask for a new one, which is the ready replacement. Callers borrowing through the
 * dualcred pool retire the old connections they meet; for a pool where nobody borrows, this class borrows the idle
 * connections itself, one pass at a time, holding the new ones it meets until the pass ends so that HikariCP's bag
 * does not hand it the same connection twice.
 */
public final class HikariReplacementPool implements ConnectionReplacer.Pool<Connection> {

    private static final Logger LOG = LoggerFactory.getLogger(HikariReplacementPool.class);

    /** How long the replacer waits for an idle connection it was told exists; a caller may have taken it. */
    private static final long IDLE_BORROW_MILLIS = 5;

    private final String poolName;
    private final FallbackLoginDataSource logins;
    private volatile HikariDataSource hikari;
    private volatile ConnectionReplacer<Connection> replacer;

    /**
     * @param poolName the pool name, for log lines
     * @param logins the data source HikariCP opens connections from, which counts them by generation
     */
    public HikariReplacementPool(String poolName, FallbackLoginDataSource logins) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.logins = Objects.requireNonNull(logins, "logins");
    }

    /**
     * @param started the running pool
     * @param connectionReplacer the replacer this pool serves
     */
    public void bind(HikariDataSource started, ConnectionReplacer<Connection> connectionReplacer) {
        this.hikari = Objects.requireNonNull(started, "started");
        this.replacer = Objects.requireNonNull(connectionReplacer, "connectionReplacer");
    }

    @Override
    public int olderThan(long generation) {
        return logins.openOlderThan(generation);
    }

    @Override
    public void retireOneIdle(long generation) {
        HikariDataSource pool = hikari;
        ConnectionReplacer<Connection> replacing = replacer;
        if (pool == null || replacing == null || pool.isClosed()
                || !(pool.getHikariPoolMXBean() instanceof HikariPool hikariPool)) {
            return;
        }
        List<Connection> current = new ArrayList<>();
        try {
            int idle = hikariPool.getIdleConnections();
            for (int i = 0; i < idle; i++) {
                Connection borrowed;
                try {
                    borrowed = hikariPool.getConnection(IDLE_BORROW_MILLIS);
                } catch (SQLException busy) {
                    return;   // callers took the idle ones meanwhile; they retire what they meet
                }
                GenerationTaggedConnection physical = borrowed.unwrap(GenerationTaggedConnection.class);
                if (replacing.mayRetire(physical.generation())) {
                    LOG.debug("{} - retiring an idle connection of generation {}; its replacement is ready", poolName,
                            physical.generation());
                    pool.evictConnection(borrowed);
                    return;
                }
                current.add(borrowed);
            }
        } catch (SQLException e) {
            LOG.debug("{} - looking at idle connections failed: {}", poolName, e.toString());
        } finally {
            for (Connection connection : current) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    LOG.debug("{} - returning a connection failed: {}", poolName, e.toString());
                }
            }
        }
    }

    @Override
    public void discard(Connection connection) {
        logins.discard(connection);
    }
}
