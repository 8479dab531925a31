package io.dualcred.integration.support;

import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;

/**
 * A dualcred pool as the scenarios drive it, whatever its kind: one unit of application work, the rotation
 * controls an operator has (the library's own {@link RotationControl}: status, refresh, evict), and what the pool
 * itself reports about its size.
 */
public interface PoolUnderTest extends AutoCloseable {

    /** @return the pool name */
    String name();

    /** @return what kind of pool this is */
    PoolKind kind();

    /**
     * One unit of application work: borrow, {@code SELECT 1} or {@code SET}+{@code GET} of the worker's own key,
     * return.
     *
     * @param worker tells concurrent callers apart
     * @throws Exception whatever the pool or driver throws
     */
    void operation(int worker) throws Exception;

    /**
     * @return the user the server says a borrowed connection is logged in as ({@code session_user},
     *     {@code ACL WHOAMI})
     * @throws Exception whatever the pool or driver throws
     */
    String loggedInAs() throws Exception;

    /** @return the pool's rotation handle: the data source itself, or the Redis client's or pool's {@code rotation()} */
    RotationControl rotation();

    /** @return the rotation status */
    default RotationStatus status() {
        return rotation().status();
    }

    /**
     * Re-reads the source now.
     *
     * @return the status afterwards
     */
    default RotationStatus refresh() {
        return rotation().refresh();
    }

    /** Retires every open connection gently, as an operator does after changing the password on the server. */
    default void evictConnections() {
        rotation().evictConnections();
    }

    /**
     * What connection expiry does, asked of the underlying pool itself and not of dualcred: HikariCP's
     * {@code softEvictConnections()} (idle connections closed now, busy ones when returned, as when each reaches
     * {@code maxLifetime}); for Jedis, commons-pool's {@code clear()}, which destroys only idle connections, repeated
     * until as many were destroyed as the pool held. Either way the pool needs new logins without the rotation engine
     * having asked for them.
     *
     * @return how many connections it closed or marked for closing
     */
    int expireConnections();

    /** Waits until the pool holds its maximum, as a warmed-up pool under load does. */
    default void awaitFull() {
        Eventually.eventually(name() + " to hold its " + maximumSize() + " connections")
                .until(() -> connections() >= maximumSize());
    }

    /** @return the physical connections the pool holds now, idle and in use */
    int connections();

    /** @return the most connections the pool may hold */
    int maximumSize();

    /**
     * @param failure what a caller caught
     * @return whether it is the documented "every credential was rejected" error of this kind of pool
     */
    boolean isEveryCredentialRejected(Throwable failure);

    /** Closes the pool and everything it started. */
    @Override
    void close();
}
