package io.dualcred.redis.internal;

import io.dualcred.redis.RedisCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.spi.ConnectionEvictor;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.ConnectionReplacer;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
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
 *   <li><b>Replacing</b> ({@link #evictOlderThan}): the engine calls this after a switch, a promotion or an
 *       eviction; a {@link ConnectionReplacer} then replaces the older connections make before break. It logs a
 *       replacement in first; only then may one old connection be retired — when a caller borrows it
 *       ({@link #checkBeforeLending}, {@link #isRetired}), returns it ({@link #checkOnReturn}), or the replacer finds
 *       it idle — and the pool's next new connection is the ready replacement, without a login. The checks are a
 *       comparison of two numbers and a flag, not a round trip.</li>
 * </ul>
 *
 * @param <T> the pooled type
 */
public final class RotatingConnections<T> implements ConnectionEvictor, ConnectionReplacer.Pool<Connection>,
        AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RotatingConnections.class);

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
    private final ConnectionReplacer<Connection> replacer;
    /** Every connection made and not yet destroyed, with its generation. */
    private final Set<TaggedPooledObject<T>> live = ConcurrentHashMap.newKeySet();
    /** The latest "every credential rejected", or {@code null} once a login succeeded again. */
    private volatile AllCredentialsRejectedException rejection;
    /**
     * The {@link System#nanoTime()} by which the caller borrowing on this thread wants its connection, while it
     * borrows with a {@code maxWait}. commons-pool makes a new connection on the borrowing thread but does not hand
     * the wait to the factory; without this, a borrower that meets another thread's slow login waits for all of it.
     */
    private final ThreadLocal<Long> borrowDeadline = new ThreadLocal<>();
    /** The server's {@code host:port} in a client of several servers, named by its errors; else {@code null}. */
    private final String node;

    /**
     * @param poolName the pool name, for log lines
     * @param opener logs in with one credential
     * @param wrap turns a logged-in connection into the pooled type
     */
    public RotatingConnections(String poolName, ConnectionOpener<Connection> opener, Function<Connection, T> wrap) {
        this(poolName, opener, wrap, null);
    }

    /**
     * For one node's pool in a client of several servers (Sentinel, Cluster), whose errors name the node.
     *
     * @param poolName the pool name, for log lines
     * @param opener logs in with one credential, to this node
     * @param wrap turns a logged-in connection into the pooled type
     * @param node the node's {@code host:port}, or {@code null} for a client of one server
     */
    public RotatingConnections(String poolName, ConnectionOpener<Connection> opener, Function<Connection, T> wrap,
                               String node) {
        this.node = node;
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.wrap = Objects.requireNonNull(wrap, "wrap");
        this.replacer = new ConnectionReplacer<>(poolName, opener, this);
    }

    /**
     * Connects this to its engine; must happen before the pool makes its first connection. (The engine needs this
     * object as its evictor when it starts, so the two are joined afterwards.)
     *
     * @param rotationEngine the engine
     */
    public void attach(RotationEngine rotationEngine) {
        this.engine = Objects.requireNonNull(rotationEngine, "rotationEngine");
        replacer.attach(rotationEngine);
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
     * @throws NoSuchElementException (without a cause, as commons-pool's own timeout) when the borrower's
     *     {@code maxWait} ran out while another thread's login was under way
     * @throws Exception whatever Jedis threw for any other failure (connection refused, timeout, NOPERM...),
     *     unchanged
     */
    public PooledObject<T> open() throws Exception {
        Login<Connection> login = replacer.takeReady();
        if (login == null) {
            login = login(engine());
        }
        TaggedPooledObject<T> pooled = new TaggedPooledObject<>(wrap.apply(login.connection()), login.generation());
        live.add(pooled);
        return pooled;
    }

    /**
     * Forgets a connection the pool destroyed.
     *
     * @param pooled the destroyed connection
     */
    public void destroyed(PooledObject<T> pooled) {
        if (pooled instanceof TaggedPooledObject<T> tagged) {
            live.remove(tagged);
        }
    }

    /**
     * Borrows as commons-pool does, except that a caller queued for a connection gets a
     * {@link RedisCredentialsRejectedException} within {@link #QUEUED_WAIT_SLICE} once every credential is rejected,
     * instead of waiting for {@code maxWait}: it waits in slices and looks at the latest login outcome between them.
     * And a caller that makes a new connection while another thread's login is under way waits for that login only
     * until its {@code maxWait} runs out, not for as long as the login takes.
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
        if (!forever) {
            borrowDeadline.set(deadline);
        }
        try {
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
                        throw new RedisCredentialsRejectedException(rejected, node);
                    }
                    if (!forever && deadline - System.nanoTime() <= 0) {
                        throw timeout;
                    }
                }
            }
        } finally {
            borrowDeadline.remove();
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
        // Lent before and old, with a replacement ready: the pool destroys it and makes the replacement.
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
            if (replacer.mayRetire(tagged.generation())) {
                throw RetiredConnectionException.INSTANCE;
            }
            tagged.markReturned();
        }
    }

    /**
     * @param pooled a pooled connection
     * @return whether it belongs to an older generation, has already served a lease and its replacement is ready,
     *     so it must not serve again; the caller must then retire it
     */
    public boolean isRetired(PooledObject<T> pooled) {
        return pooled instanceof TaggedPooledObject<T> tagged
                && tagged.returnedOnce()
                && replacer.mayRetire(tagged.generation());
    }

    /** Starts replacing the connections older than {@code generation}, make before break; returns at once. */
    @Override
    public void evictOlderThan(long generation) {
        replacer.evictOlderThan(generation);
    }

    @Override
    public int olderThan(long generation) {
        int older = 0;
        for (TaggedPooledObject<T> pooled : live) {
            if (pooled.generation() < generation) {
                older++;
            }
        }
        return older;
    }

    /**
     * Borrows the idle connections without waiting, until the lending check retires an old one (the pool then makes
     * the ready replacement and lends it here), and returns them all.
     */
    @Override
    public void retireOneIdle(long generation) {
        GenericObjectPool<T> connectionPool = pool;
        if (connectionPool == null || connectionPool.isClosed()) {
            return;
        }
        List<T> borrowed = new ArrayList<>();
        try {
            int idle = connectionPool.getNumIdle();
            for (int i = 0; i < idle && replacer.hasReady(); i++) {
                borrowed.add(connectionPool.borrowObject(Duration.ZERO));
            }
        } catch (Exception noneIdle) {
            // Callers took the idle ones meanwhile; they retire what they meet.
        } finally {
            borrowed.forEach(connectionPool::returnObject);
        }
        if (!replacer.retirementPending() && replacer.hasReady()) {
            refill();   // the pool lent another idle connection instead of making the replacement: add it now
        }
    }

    /** Adds the ready replacement to the pool when a retirement left room that no caller filled. */
    @Override
    public void refill() {
        GenericObjectPool<T> connectionPool = pool;
        if (connectionPool == null || connectionPool.isClosed()) {
            return;
        }
        int maxTotal = connectionPool.getMaxTotal();
        if (maxTotal < 0 || connectionPool.getNumActive() + connectionPool.getNumIdle() < maxTotal) {
            try {
                connectionPool.addObject();
            } catch (Exception e) {
                LOG.debug("{} - adding the ready replacement failed: {}", poolName, e.toString());
            }
        }
    }

    @Override
    public void discard(Connection connection) {
        closeQuietly(connection);
    }

    /** Stops replacing connections and closes a replacement nobody took. */
    @Override
    public void close() {
        replacer.close();
    }

    private Login<Connection> login(RotationEngine rotation) throws Exception {
        Long deadline = borrowDeadline.get();
        try {
            Login<Connection> login = deadline == null ? rotation.openWithFallback(opener)
                    : rotation.openWithFallback(opener, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            rejection = null;
            return login;
        } catch (AllCredentialsRejectedException rejected) {
            rejection = rejected;
            throw new RedisCredentialsRejectedException(rejected, node);
        } catch (TimeoutException waited) {
            throw new NoSuchElementException(waited.getMessage());   // what the pool throws when maxWait runs out
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
            LOG.debug("{} - closing an unused connection failed: {}", poolName, e.toString());
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
