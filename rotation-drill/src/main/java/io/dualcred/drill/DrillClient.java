package io.dualcred.drill;

import io.dualcred.rotation.RotationStatus;
import java.util.Optional;

/** One contender's pool, with the operation the load threads run through it. */
interface DrillClient extends AutoCloseable {

    /** @return borrow a connection, run a trivial command ({@code SELECT 1} / {@code GET}), give it back */
    Load.Operation operation();

    /** @return the rotation status of a dualcred pool; empty for the others */
    Optional<RotationStatus> status();

    /** @return the physical connections the pool holds now, idle and in use */
    int connections();

    /**
     * Lets the pool's connections expire the way the pool library itself retires them ({@code maxLifetime} in
     * HikariCP: idle ones now, busy ones when returned; commons-pool's idle eviction for Jedis), so that the pool
     * has to log in again. The gap scenario does this to every contender at the same moment.
     *
     * @return how many connections it expired
     */
    int expireConnections();

    /**
     * The contender's way to move its open connections to a new credential when an operator asks, for
     * {@code --evict}: {@code evictConnections()} for dualcred, {@code softEvictConnections()} or
     * {@code clear()} for an alternative that reads the store at each new connection; empty for a pool with a fixed
     * password, which has nothing to move to.
     */
    Optional<Runnable> operatorEvict();

    @Override
    void close();
}
