package io.dualcred.postgres.internal;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.dualcred.rotation.ConnectionEvictor;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires the connections made before a switch with HikariCP's soft eviction: idle connections close now, busy ones
 * when they are returned.
 *
 * <p>Soft eviction covers every connection in the pool, not only older generations. That is exact for a switch:
 * HikariCP 7.1 creates connections on a single connection-adder thread, and the switch is decided on that thread
 * inside a login whose connection has not reached the pool yet, so every pooled connection is older. For an
 * explicit eviction it is what was asked. A connection whose login was in flight on another thread while the
 * eviction ran (HikariCP issue #1836) is handled by {@link FallbackLoginDataSource} (redoes a login overtaken by an
 * eviction), the borrow-time generation check of the pool, and {@link GenerationTaggedConnection#isValid(int)}.
 */
public final class HikariSoftEvictor implements ConnectionEvictor {

    private static final Logger LOG = LoggerFactory.getLogger(HikariSoftEvictor.class);

    private final String poolName;
    private volatile HikariPoolMXBean pool;

    /**
     * @param poolName the pool name, for log lines
     */
    public HikariSoftEvictor(String poolName) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
    }

    /**
     * @param started the running pool; before this is called there is nothing to evict (a switch during HikariCP's
     *     start-up check happens before any connection was pooled)
     */
    public void bind(HikariPoolMXBean started) {
        this.pool = Objects.requireNonNull(started, "pool");
    }

    @Override
    public void evictOlderThan(long generation) {
        HikariPoolMXBean started = pool;
        if (started == null) {
            return;
        }
        LOG.debug("{} - soft-evicting {} pooled connection(s) older than generation {}", poolName,
                started.getTotalConnections(), generation);
        started.softEvictConnections();
    }
}
