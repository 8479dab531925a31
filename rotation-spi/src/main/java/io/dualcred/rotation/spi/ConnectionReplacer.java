package io.dualcred.rotation.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a pool's connections of older generations — after a switch, a promotion or an eviction — make before
 * break: a connection is retired only once its replacement has logged in and is ready, so the pool never holds fewer
 * usable connections than before and callers never wait for a login. A connector plugs it in as its
 * {@link ConnectionEvictor}.
 *
 * <p>One thread per pool does the work, and only while old connections remain. It logs a replacement in through the
 * engine (the first such login after a promotion is the one probe of the new credential) and holds it ready; that
 * grants one <em>retirement</em>. The pool spends it on the first old connection it meets — one a caller borrows or
 * returns ({@link #mayRetire(long)}), or an idle one this thread picks ({@link Pool#retireOneIdle(long)}) — and its
 * next new connection is the ready one ({@link #takeReady()}), handed over without a login. A pool cannot hold more
 * than its maximum size, so the old connection leaves before the ready one joins; the hand-over takes microseconds.
 *
 * <p>Replacements are paced over {@link io.dualcred.rotation.RotationConfig#replacementWindow()}: each logs in at a
 * random moment of its own slot of the window ({@link ReplacementPacing}), so that a fleet switching together does
 * not send every login to the server in the same second. The wait happens on this thread, holding no lock; logins
 * the pool itself needs meanwhile (to grow, or in place of a broken connection) use the new credential at once.
 *
 * @param <C> the connection type
 */
public final class ConnectionReplacer<C> implements ConnectionEvictor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionReplacer.class);

    /** How long a retirement may go without the pool taking the ready connection before the pool is asked to. */
    private static final Duration UNTAKEN = Duration.ofMillis(20);
    /** How long a spent retirement's replacement waits for the pool to take it before it may replace another. */
    private static final Duration HAND_OVER_LIMIT = Duration.ofSeconds(1);
    /** The longest pause between two attempts to log a replacement in while logins fail. */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private final String poolName;
    private final ConnectionOpener<C> opener;
    private final Pool<C> pool;
    private volatile RotationEngine engine;
    /** Set with the engine; read by the worker thread only. */
    private volatile ReplacementPacing pacing = new ReplacementPacing(Duration.ZERO);

    private final AtomicReference<Login<C>> ready = new AtomicReference<>();
    /** One retirement is allowed per ready replacement. */
    private final AtomicBoolean retirement = new AtomicBoolean();
    private final Object signal = new Object();
    private boolean signalled;
    private Thread worker;
    private volatile boolean closed;

    /**
     * What the replacer needs from the pool.
     *
     * @param <C> the connection type
     */
    public interface Pool<C> {

        /**
         * @param generation the generation in force
         * @return how many connections of an older generation the pool holds now, idle or in use
         */
        int olderThan(long generation);

        /**
         * Picks idle connections, if any, and retires the first old one for which {@link #mayRetire(long)} allows it;
         * the pool then makes a new connection (from {@link #takeReady()}) as it does when one is closed.
         *
         * @param generation the generation in force
         */
        void retireOneIdle(long generation);

        /** Asks the pool to add a connection now, if it has room; a pool that refills by itself does nothing. */
        default void refill() {
        }

        /**
         * @param connection a ready replacement nobody took; close it
         */
        void discard(C connection);
    }

    /**
     * @param poolName the pool name, for log lines and the thread name
     * @param opener logs one connection in, as the pool's own new connections do
     * @param pool the pool whose connections are replaced
     */
    public ConnectionReplacer(String poolName, ConnectionOpener<C> opener, Pool<C> pool) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /**
     * Joins this to its engine, which needs this object as its evictor when it starts.
     *
     * @param rotationEngine the engine
     */
    public void attach(RotationEngine rotationEngine) {
        this.pacing = new ReplacementPacing(rotationEngine.replacementWindow());
        this.engine = Objects.requireNonNull(rotationEngine, "rotationEngine");
    }

    /** Starts replacing the connections older than {@code generation}; returns at once. */
    @Override
    public void evictOlderThan(long generation) {
        if (closed) {
            return;
        }
        synchronized (signal) {
            if (worker == null) {
                worker = new Thread(this::replace, "dualcred-" + poolName + "-replace");
                worker.setDaemon(true);
                worker.start();
            }
        }
        wake();
    }

    /**
     * For the pool's new-connection path: a replacement logged in and ready, if one is.
     *
     * @return the ready login of the current generation, or {@code null} (then the pool logs in as usual)
     */
    public Login<C> takeReady() {
        Login<C> login = ready.getAndSet(null);
        if (login == null) {
            return null;
        }
        retirement.set(false);   // taken without a retirement (the pool grew): it replaces nothing
        wake();
        RotationEngine rotation = engine;
        if (rotation != null && rotation.isStale(login.generation())) {
            pool.discard(login.connection());
            return null;
        }
        return login;
    }

    /**
     * For the pool's borrow and return paths, and for {@link Pool#retireOneIdle}: whether a connection of
     * {@code generation} is to be retired now. Yes only when it is old and a replacement is ready for it; then the
     * caller must retire it.
     *
     * @param generation the connection's generation
     * @return whether to retire it
     */
    public boolean mayRetire(long generation) {
        // The pending retirement first: it is one read, and almost always false on a borrow path.
        if (!retirement.get()) {
            return false;
        }
        RotationEngine rotation = engine;
        if (rotation == null || !rotation.isStale(generation)) {
            return false;
        }
        if (retirement.compareAndSet(true, false)) {
            wake();
            return true;
        }
        return false;
    }

    /** @return whether a ready replacement still allows one old connection to be retired */
    public boolean retirementPending() {
        return retirement.get();
    }

    /** @return whether a replacement is logged in and waiting to join the pool */
    public boolean hasReady() {
        return ready.get() != null;
    }

    /** Stops the thread and closes a replacement nobody took. */
    @Override
    public void close() {
        closed = true;
        Thread running;
        synchronized (signal) {
            running = worker;
        }
        if (running != null) {
            running.interrupt();
        }
        Login<C> unused = ready.getAndSet(null);
        if (unused != null) {
            pool.discard(unused.connection());
        }
    }

    private void replace() {
        Duration pause = Duration.ofMillis(50);
        while (!closed) {
            try {
                RotationEngine rotation = engine;
                if (rotation == null) {
                    awaitSignal(null);
                    continue;
                }
                long generation = rotation.generation();
                Login<C> replacement = ready.get();
                if (replacement != null && !retirement.get() && !rotation.isStale(replacement.generation())) {
                    handOver(replacement);
                    continue;
                }
                int older = pool.olderThan(generation);
                if (older == 0) {
                    Login<C> unused = ready.getAndSet(null);
                    if (unused != null) {
                        pool.discard(unused.connection());
                    }
                    retirement.set(false);
                    awaitSignal(null);
                    continue;
                }
                if (replacement == null || rotation.isStale(replacement.generation())) {
                    long wait = pacing.untilNextLogin(generation, older, System.nanoTime());
                    if (wait > 0) {
                        awaitSignal(Duration.ofNanos(wait));
                        continue;
                    }
                    if (logInReplacement(rotation, replacement)) {
                        pacing.replacementLoggedIn();
                    } else {
                        awaitSignal(pause);
                        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
                    }
                    continue;
                }
                pause = Duration.ofMillis(50);
                pool.retireOneIdle(generation);
                if (retirement.get()) {
                    awaitSignal(UNTAKEN);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("{} - replacing old connections failed; trying again: {}", poolName, e.toString());
                try {
                    awaitSignal(MAX_PAUSE);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /**
     * The retirement this replacement allowed was spent, so the pool has room for it and normally takes it at once
     * ({@link #takeReady()}). A busy pool may take a while (HikariCP adds connections on a thread of its own), so it
     * is asked again every {@link #UNTAKEN} for as long as {@link #HAND_OVER_LIMIT}; only a pool that still does not
     * want it then (it shrank meanwhile) lets the replacement stand in for another old connection. Granting that
     * sooner would retire a second old connection before the first one's replacement joined.
     */
    private void handOver(Login<C> replacement) throws InterruptedException {
        long deadline = System.nanoTime() + HAND_OVER_LIMIT.toNanos();
        while (ready.get() == replacement && !closed) {
            awaitSignal(UNTAKEN);
            if (ready.get() != replacement) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                retirement.set(true);
                return;
            }
            pool.refill();
        }
    }

    /** @return whether a replacement is ready now */
    private boolean logInReplacement(RotationEngine rotation, Login<C> stale) {
        if (stale != null && ready.compareAndSet(stale, null)) {
            pool.discard(stale.connection());
        }
        Login<C> login;
        try {
            login = rotation.openWithFallback(opener);
        } catch (Exception e) {
            LOG.debug("{} - logging a replacement connection in failed; old connections stay for now: {}", poolName,
                    e.toString());
            return false;
        }
        if (rotation.isStale(login.generation())) {
            pool.discard(login.connection());
            return false;
        }
        ready.set(login);
        retirement.set(true);
        return true;
    }

    private void wake() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    private void awaitSignal(Duration atMost) throws InterruptedException {
        synchronized (signal) {
            long deadline = atMost == null ? 0 : System.nanoTime() + atMost.toNanos();
            while (!signalled && !closed) {
                if (atMost == null) {
                    signal.wait();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                }
            }
            signalled = false;
        }
    }
}
