package io.dualcred.redis.internal;

import io.dualcred.redis.RedisCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.ConnectionEvictor;
import io.dualcred.rotation.ConnectionOpener;
import io.dualcred.rotation.Login;
import io.dualcred.rotation.RotationEngine;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Function;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;

/**
 * The dual-credential part of a commons-pool2 factory, shared by both flavours: the {@code RedisClient}'s
 * {@link DualCredentialConnectionFactory} pools Jedis {@link Connection}s, the {@code JedisPool}'s
 * {@link DualCredentialJedisFactory} pools {@code Jedis} objects wrapping one.
 *
 * <ul>
 *   <li><b>Creating</b> ({@link #open()}): every new connection logs in through
 *       {@link RotationEngine#openWithFallback}, which owns fallback, single-flight source reads and backoff, and is
 *       tagged with the generation it logged in under. "Every credential rejected" becomes a
 *       {@link RedisCredentialsRejectedException}, which Jedis pools hand to the caller unwrapped.</li>
 *   <li><b>Evicting</b> ({@link #evictOlderThan}): the engine calls this on a switch or on request, synchronously;
 *       the idle connections are closed at once.</li>
 *   <li><b>Retiring</b>: a connection whose generation is older than the engine's is closed when it is returned
 *       ({@link #checkOnReturn}) and never lent again ({@link #checkBeforeLending}, {@link #isRetired}); the check is
 *       one comparison of two numbers, not a round trip.</li>
 * </ul>
 *
 * @param <T> the pooled type
 */
public final class RotatingConnections<T> implements ConnectionEvictor {

    private static final Logger LOG = LoggerFactory.getLogger(RotatingConnections.class);

    /**
     * How many times {@link #open()} logs in again when a switch overtook its login. A switch takes one failed
     * login, so a second overtaking switch is already unlikely; after the last pass the connection is kept (its
     * login succeeded) and retired when returned.
     */
    private static final int MAX_LOGINS_PER_OPEN = 3;

    /**
     * How long a caller queued for a connection waits before it checks whether logins are being rejected. The
     * pool wakes a queued caller only when a connection is returned or made; after an eviction the returned ones
     * are retired, and while every credential is rejected none is made, so without this the caller would wait for
     * {@code maxWait}, forever by default.
     */
    static final Duration QUEUED_WAIT_SLICE = Duration.ofMillis(250);

    private final String poolName;
    private final ConnectionOpener<Connection> opener;
    private final Function<Connection, T> wrap;
    private volatile RotationEngine engine;
    private volatile GenericObjectPool<T> pool;
    /** The latest "every credential rejected", or {@code null} once a login succeeded again. */
    private volatile AllCredentialsRejectedException rejection;

    /**
     * @param poolName the pool name, for log lines
     * @param opener logs in with one credential
     * @param wrap turns a logged-in connection into the pooled type
     */
    public RotatingConnections(String poolName, ConnectionOpener<Connection> opener, Function<Connection, T> wrap) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.wrap = Objects.requireNonNull(wrap, "wrap");
    }

    /**
     * Connects this to its engine; must happen before the pool makes its first connection. (The engine needs this
     * object as its evictor when it starts, so the two are joined afterwards.)
     *
     * @param rotationEngine the engine
     */
    public void attach(RotationEngine rotationEngine) {
        this.engine = Objects.requireNonNull(rotationEngine, "rotationEngine");
    }

    /**
     * Connects this to the pool whose idle connections it evicts.
     *
     * @param connectionPool the pool
     */
    public void attach(GenericObjectPool<T> connectionPool) {
        this.pool = Objects.requireNonNull(connectionPool, "connectionPool");
    }

    /**
     * Opens a logged-in connection for the pool; runs on the borrowing thread (or the pool's evictor thread).
     *
     * @return the connection, tagged with its generation
     * @throws RedisCredentialsRejectedException when every credential is rejected, or at once while backing off
     * @throws Exception whatever Jedis threw for any other failure (connection refused, timeout, NOPERM...),
     *     unchanged
     */
    public PooledObject<T> open() throws Exception {
        RotationEngine rotation = engine();
        Login<Connection> login = login(rotation);
        // A login in flight while another thread switched belongs to the old generation. Replace it now rather than
        // pool a connection that the first return would close anyway.
        for (int pass = 1; rotation.isStale(login.generation()) && pass < MAX_LOGINS_PER_OPEN; pass++) {
            closeQuietly(login.connection());
            login = login(rotation);
        }
        return new TaggedPooledObject<>(wrap.apply(login.connection()), login.generation());
    }

    /**
     * Borrows as commons-pool does, except that a caller queued for a connection gets a
     * {@link RedisCredentialsRejectedException} within {@link #QUEUED_WAIT_SLICE} once every credential is rejected,
     * instead of waiting for {@code maxWait}: it waits in slices and looks at the latest login outcome between them.
     *
     * @param connectionPool the pool to borrow from
     * @param maxWait the caller's whole wait; negative waits forever
     * @param borrow borrows with a given wait, e.g. {@code GenericObjectPool.borrowObject(Duration)}
     * @param <P> the pooled type
     * @return the borrowed object
     * @throws RedisCredentialsRejectedException when every credential was rejected while the caller waited
     * @throws Exception whatever the pool throws, e.g. its timeout once {@code maxWait} has passed
     */
    public <P> P borrow(GenericObjectPool<P> connectionPool, Duration maxWait, SlicedBorrow<P> borrow)
            throws Exception {
        if (!connectionPool.getBlockWhenExhausted()) {
            return borrow.borrow(maxWait);
        }
        boolean forever = maxWait.isNegative();
        long deadline = System.nanoTime() + (forever ? 0 : maxWait.toNanos());
        while (true) {
            long left = forever ? Long.MAX_VALUE : deadline - System.nanoTime();
            try {
                return borrow.borrow(Duration.ofNanos(Math.max(0, Math.min(left, QUEUED_WAIT_SLICE.toNanos()))));
            } catch (NoSuchElementException timeout) {
                if (timeout.getCause() != null) {
                    throw timeout;   // a connection that could not be activated or validated, not a timeout
                }
                AllCredentialsRejectedException rejected = rejection;
                if (rejected != null) {
                    throw new RedisCredentialsRejectedException(rejected);
                }
                if (!forever && deadline - System.nanoTime() <= 0) {
                    throw timeout;
                }
            }
        }
    }

    /**
     * One borrow with a bounded wait.
     *
     * @param <P> the pooled type
     */
    @FunctionalInterface
    public interface SlicedBorrow<P> {
        /**
         * @param wait how long to wait for a connection
         * @return the borrowed object
         * @throws Exception as the pool throws; {@link NoSuchElementException} without a cause when the wait ran out
         */
        P borrow(Duration wait) throws Exception;
    }

    /**
     * Refuses to lend a connection that was retired while idle; the pool then closes it and lends another.
     *
     * @param pooled the connection about to be lent
     * @throws RetiredConnectionException when it belongs to an older generation and has been lent before
     */
    public void checkBeforeLending(PooledObject<T> pooled) throws RetiredConnectionException {
        if (isRetired(pooled)) {
            throw RetiredConnectionException.INSTANCE;
        }
    }

    /**
     * Closes a returned connection of an older generation instead of keeping it: the pool destroys an object whose
     * passivation throws.
     *
     * @param pooled the connection being returned
     * @throws RetiredConnectionException when it belongs to an older generation
     */
    public void checkOnReturn(PooledObject<T> pooled) throws RetiredConnectionException {
        if (pooled instanceof TaggedPooledObject<T> tagged) {
            if (engine().isStale(tagged.generation())) {
                throw RetiredConnectionException.INSTANCE;
            }
            tagged.markReturned();
        }
    }

    /**
     * @param pooled a pooled connection
     * @return whether it belongs to an older generation and has already served a lease, so it must not serve again
     */
    public boolean isRetired(PooledObject<T> pooled) {
        return pooled instanceof TaggedPooledObject<T> tagged
                && tagged.returnedOnce()
                && engine().isStale(tagged.generation());
    }

    /**
     * Closes the idle connections now. Busy ones are retired when returned, by {@link #checkOnReturn}. Idle
     * connections made after the switch are closed too; there are at most a few, made in the instant between the
     * switch and this call.
     */
    @Override
    public void evictOlderThan(long generation) {
        GenericObjectPool<T> connectionPool = pool;
        if (connectionPool == null || connectionPool.isClosed()) {
            return;
        }
        int idle = connectionPool.getNumIdle();
        connectionPool.clear();
        LOG.debug("{} - closed {} idle connections (generation now {}); older connections in use close when "
                + "returned", poolName, idle, generation);
    }

    private Login<Connection> login(RotationEngine rotation) throws Exception {
        try {
            Login<Connection> login = rotation.openWithFallback(opener);
            rejection = null;
            return login;
        } catch (AllCredentialsRejectedException rejected) {
            rejection = rejected;
            throw new RedisCredentialsRejectedException(rejected);
        }
    }

    private RotationEngine engine() {
        RotationEngine rotation = engine;
        if (rotation == null) {
            throw new IllegalStateException(poolName + " - the pool is not attached to its rotation engine");
        }
        return rotation;
    }

    private void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.debug("{} - closing a connection from before the switch failed: {}", poolName, e.toString());
        }
    }

    /**
     * Thrown to commons-pool2 to make it close a retired connection; never reaches a caller. Shared and without a
     * stack trace because it only carries a decision.
     */
    public static final class RetiredConnectionException extends Exception {

        static final RetiredConnectionException INSTANCE = new RetiredConnectionException();

        private RetiredConnectionException() {
            super("connection made before the latest credential switch or eviction", null, false, false);
        }
    }
}
