package io.dualcred.postgres.internal;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.spi.RotationEngine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes callers of {@code getConnection()} fail promptly with the server's SQLState ({@code 28P01} or {@code 28000})
 * when the server rejects every credential, instead of waiting for HikariCP's {@code connectionTimeout}.
 *
 * <h2>Why this is needed</h2>
 * A caller that finds no idle connection waits inside HikariCP's bag while HikariCP's single connection-adder thread
 * tries to log in. When logins fail, HikariCP keeps the caller waiting until {@code connectionTimeout}, and its
 * adder retries on its own schedule (sleeping 10 ms, doubling up to 5 s between tries). Nothing in HikariCP's public
 * API wakes a waiting caller, so this class interrupts it, then clears the interrupt it caused and reports the
 * rejection.
 *
 * <h2>The rule</h2>
 * While every credential is rejected <em>and the pool holds no connection</em>, a caller fails at once during the
 * engine's backoff, and otherwise waits at most {@link #MAX_WAIT_WHILE_REJECTED} for the outcome of a login. Callers
 * of a pool that still holds connections wait as with plain HikariCP: sessions already open stay valid on PostgreSQL
 * after a password change, so the next connection returned will serve them, and failing them would make the service
 * worse than without dualcred. Four paths apply the rule:
 * <ul>
 *   <li>{@link #enter()}: a borrower, after registering and before waiting, fails at once when the engine is backing
 *       off and the pool is empty;</li>
 *   <li>a borrower that enters an empty pool after the backoff ended is told so
 *       ({@link Borrower#rejectedWhenEntering()}) and bounds its own wait to {@link #MAX_WAIT_WHILE_REJECTED}: the
 *       adder may still be asleep in HikariCP's own backoff, and a bound kept by the waiting thread itself does not
 *       depend on another thread being scheduled in time;</li>
 *   <li>{@link #loginsRejected}: the thread that saw {@link AllCredentialsRejectedException} (HikariCP's adder)
 *       wakes every waiting borrower if the pool is empty: the login they were waiting for has failed;</li>
 *   <li>a sweep every {@link #SWEEP_INTERVAL}, running only while logins are rejected, wakes the remaining waiters
 *       of an empty pool: those that started waiting before the rejection, or while the pool still had connections,
 *       and whose pool has since lost its last one.</li>
 * </ul>
 *
 * <h2>Why no wake-up is lost</h2>
 * A borrower marks itself waiting and then reads {@link #rejection}; a rejecting thread writes {@link #rejection} and
 * then examines the borrowers. The borrower's mark is a release store, not a volatile one (a volatile store costs a
 * memory fence on every borrow), so a borrower entering at the very moment of a rejection may miss it while the
 * rejecting thread misses the borrower. The sweep closes that gap: it examines the waiting borrowers every
 * {@link #SWEEP_INTERVAL} for as long as logins are rejected, and by then the mark is visible. So a wake-up is never
 * lost, and delayed by one sweep interval at most, in a race that lasts nanoseconds. The sweep also fails a borrower
 * that waited for a connection that was then closed.
 *
 * <h2>Why no caller is failed for a rejection that is over</h2>
 * Each recorded rejection carries a serial number, and a borrower notes, on entering, the rejection in force (or the
 * serial of the last one, if it is over). A waker that read a rejection just before a login succeeded could otherwise
 * fail a caller that entered afterwards, while the new connection was on its way into the pool. So a rejection wakes a
 * borrower only if it is still the latest state (checked under the borrower's monitor, just before the interrupt) and
 * the borrower entered while that same rejection was in force or before it was recorded. A borrower notes the state
 * it read just before marking itself waiting and reads it again just after: if it changed in between, it enters again
 * under its monitor, where no waker can look at it half-entered.
 *
 * <h2>Why no stray interrupt is left behind</h2>
 * A waker interrupts a borrower only after moving its state {@code WAITING → WOKEN} with a compare-and-set, inside
 * the borrower's monitor, and only while it holds {@link #handOut} and has found that no connection exists: none in
 * the pool, none lent, none on its way into the pool. The login path counts every connection under that same lock
 * before HikariCP can lend it ({@link #connectionHandedOut()}). Two ways of leaving follow from it:
 * <ul>
 *   <li>A borrower that got a connection ({@link #leaveWithConnection}) can be woken only by a waker that finished
 *       before that connection was counted: the waker's interrupt happens-before the lock is taken to count it, and
 *       so before the borrower checks its own interrupt flag. A borrower whose flag is clear therefore has no wake
 *       coming, and leaves with one plain store. One whose flag is set takes the monitor; if it finds
 *       {@code WOKEN}, the interrupt is ours: it clears it and keeps its connection.</li>
 *   <li>A borrower that leaves without a connection ({@link #leave}) decides with a compare-and-set: either it moves
 *       {@code WAITING → IDLE} first, and then no wake can interrupt it, or it finds {@code WOKEN} and takes the
 *       monitor, so the interrupt has been delivered, and clears it.</li>
 * </ul>
 * A thread that already carries an interrupt from the application is never woken by this class, so HikariCP reports
 * that interrupt as usual and the flag stays set. The one interrupt that cannot be told apart is an application
 * interrupt sent after ours and before the borrower leaves: it is absorbed into the 28P01 failure the caller receives
 * at that same moment.
 *
 * <h2>Cost on the borrow path</h2>
 * Each thread keeps one {@link Borrower}, registered once and reused. A borrow that gets a connection costs a
 * thread-local look-up, two plain stores (release stores of the borrower's state) and a few reads: no fence, no
 * compare-and-set, no allocation, no monitor and no shared write. The borrower's other fields are written only when
 * they change: under G1 a reference stored into an object in the old generation can cost a fence in its
 * card-marking barrier. Measured alone, entering and leaving take about 6 ns (10 ns with a volatile store and a
 * compare-and-set, as before).
 */
public final class AllRejectedFailFast implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AllRejectedFailFast.class);

    /**
     * The SQLState callers receive when the rejection carries none of the server's; otherwise they get the server's
     * own ({@code 28P01} or {@code 28000}).
     */
    public static final String SQL_STATE = "28P01";

    /** How long a caller of an empty pool waits for a login's outcome while every credential is rejected. */
    public static final Duration MAX_WAIT_WHILE_REJECTED = Duration.ofMillis(250);

    /** How often waiting borrowers are examined while every credential is rejected. */
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(50);

    /** Registrations between two removals of the borrowers of threads that have ended. */
    private static final int PRUNE_EVERY = 1024;

    private final String poolName;
    private final RotationEngine engine;
    /** One borrower per thread that ever borrowed, minus those of ended threads (pruned now and then). */
    private final Set<Borrower> borrowers = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Borrower> ownBorrower = ThreadLocal.withInitial(this::register);
    private final AtomicInteger registrations = new AtomicInteger();

    /** The latest rejection of every credential ({@code null} once a login succeeded again) and its serial. */
    private final AtomicReference<Marker> rejection = new AtomicReference<>(Marker.NONE);
    private volatile HikariPoolMXBean pool;

    /**
     * Held by wakers while they decide and interrupt, and by the login path while it counts a connection it hands to
     * HikariCP: so no connection can reach a caller while a waker that found none is interrupting callers.
     */
    private final Object handOut = new Object();
    /** Connections handed to HikariCP and not yet closed; guarded by {@link #handOut}. */
    private int handedOut;
    /** Guarded by {@link #handOut}: once set, nobody is woken any more. */
    private boolean wakingStopped;

    private ScheduledExecutorService sweeper;
    private ScheduledFuture<?> sweeping;
    private boolean closed;

    /**
     * @param poolName the pool name, for log lines and the sweeper thread's name
     * @param engine the engine, asked whether it is backing off
     */
    public AllRejectedFailFast(String poolName, RotationEngine engine) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * The rejection as the SQLException callers receive, whichever way they meet it: the SQLState the server sent
     * for the last rejected login ({@code 28P01} or {@code 28000}), the engine's message (pool, slots and usernames
     * tried, the server's reply, never a password) and, as the cause, the server's reply as pgjdbc reported it. The
     * engine keeps that reply with the rejection, so callers failed during the backoff, woken while waiting or
     * failed by HikariCP's timeout get it as well as the caller whose login met it.
     *
     * @param rejected the engine's exception
     * @return a new SQLException, created on the calling thread
     */
    public static SQLException toSqlException(AllCredentialsRejectedException rejected) {
        Throwable reply = rejected.getCause();
        SQLException server = PostgresAuthFailureClassifier.serverRejection(reply);
        String state = server == null ? SQL_STATE : server.getSQLState();
        return new SQLInvalidAuthorizationSpecException(rejected.getMessage(), state, reply);
    }

    /**
     * @param started the running pool, whose connection count decides whether callers can still be served
     */
    public void bind(HikariPoolMXBean started) {
        this.pool = Objects.requireNonNull(started, "pool");
    }

    /**
     * Marks the calling thread as waiting for a connection, then fails at once if the engine is backing off and the
     * pool has no connection that could serve it: no login will be attempted before the backoff ends. Every
     * successful call must be paired, on the same thread, with {@link #leaveWithConnection(Borrower)} if HikariCP lent
     * a connection, and with {@link #leave(Borrower)} otherwise.
     *
     * @return the registration
     * @throws SQLException as {@link #toSqlException} makes it, in that case (the registration is already undone)
     */
    public Borrower enter() throws SQLException {
        Borrower borrower = ownBorrower.get();
        if (!borrower.startWaiting(rejection)) {
            // This thread is already inside getConnection() (a re-entrant call from a callback): use a one-off.
            borrower = new Borrower(Thread.currentThread(), true);
            borrowers.add(borrower);
            borrower.startWaiting(rejection);
        }
        AllCredentialsRejectedException latest = borrower.entered.exception;
        if (latest != null && poolIsEmpty()) {
            if (engine.status().backingOff()) {
                AllCredentialsRejectedException woken = leave(borrower);
                throw toSqlException(woken != null ? woken : latest);
            }
            borrower.boundWait(latest);
        }
        return borrower;
    }

    /**
     * Marks the borrower as no longer waiting and clears any interrupt this class caused.
     *
     * @param borrower the registration from {@link #enter()}
     * @return the rejection the borrower was woken for, or {@code null} if it was not woken
     */
    public AllCredentialsRejectedException leave(Borrower borrower) {
        AllCredentialsRejectedException reason = borrower.stopWaiting();
        if (borrower.oneOff) {
            borrowers.remove(borrower);
        }
        return reason;
    }

    /**
     * Marks the borrower as no longer waiting after HikariCP lent it a connection. The usual case costs one plain
     * store: a caller holding a connection cannot be the target of a wake that is still under way (see "Why no stray
     * interrupt is left behind"), so only a caller whose thread is interrupted takes the path of {@link #leave}, and
     * keeps its connection whatever that finds.
     *
     * @param borrower the registration from {@link #enter()}
     */
    public void leaveWithConnection(Borrower borrower) {
        if (borrower.oneOff || !borrower.stopWaitingWithConnection()) {
            leave(borrower);
        }
    }

    /**
     * Counts a connection the login path is about to hand to HikariCP. Waits for a waker that is interrupting
     * callers (a few microseconds at most), so that the connection cannot reach one of them while it does.
     */
    public void connectionHandedOut() {
        synchronized (handOut) {
            handedOut++;
        }
    }

    /** Counts a connection handed to HikariCP that is now closed. */
    public void connectionClosed() {
        synchronized (handOut) {
            handedOut--;
        }
    }

    /**
     * Records that every credential was rejected (or that the engine is backing off after that) and wakes waiting
     * borrowers if the pool has no connection left.
     *
     * @param rejected the engine's exception
     */
    public void loginsRejected(AllCredentialsRejectedException rejected) {
        Objects.requireNonNull(rejected, "rejected");
        Marker recorded = rejection.updateAndGet(m -> new Marker(rejected, m.serial + 1));
        startSweeping();
        if (poolIsEmpty()) {
            wake(recorded, true);
        }
    }

    /** @return the latest rejection of every credential, or {@code null} once a login succeeded again */
    public AllCredentialsRejectedException rejection() {
        return rejection.get().exception;
    }

    /** @return the rejection state now, as a waker reads it */
    Marker marker() {
        return rejection.get();
    }

    /** Records that a login succeeded: callers wait for connections as usual again. */
    public void loginAccepted() {
        if (rejection.get().exception != null) {
            rejection.updateAndGet(m -> m.exception == null ? m : new Marker(null, m.serial));
            stopSweeping();
        }
    }

    /** Stops the sweep thread. */
    @Override
    public synchronized void close() {
        synchronized (handOut) {
            wakingStopped = true;
        }
        closed = true;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    private Borrower register() {
        Borrower borrower = new Borrower(Thread.currentThread(), false);
        borrowers.add(borrower);
        if (registrations.incrementAndGet() % PRUNE_EVERY == 0) {
            borrowers.removeIf(Borrower::threadEnded);
        }
        return borrower;
    }

    private void sweep() {
        Marker latest = rejection.get();
        if (latest.exception == null) {
            stopSweeping();
            return;
        }
        borrowers.removeIf(Borrower::threadEnded);
        if (!poolIsEmpty()) {
            return;
        }
        wake(latest, false);
    }

    /**
     * Wakes the waiting borrowers; those that bound their own wait only if {@code includingBounded}, since the
     * sweep must not cut short a wait for a login that may be under way.
     */
    void wake(Marker rejected, boolean includingBounded) {
        int woken = 0;
        synchronized (handOut) {
            // A connection that exists, or is on its way into the pool, will serve the waiting callers.
            if (handedOut > 0 || wakingStopped) {
                return;
            }
            for (Borrower borrower : borrowers) {
                if (borrower.wake(rejected, rejection, includingBounded)) {
                    woken++;
                }
            }
        }
        if (woken > 0) {
            LOG.debug("{} - every credential is rejected and the pool is empty; failing {} waiting caller(s)",
                    poolName, woken);
        }
    }

    private synchronized void startSweeping() {
        if (closed || (sweeping != null && !sweeping.isDone())) {
            return;
        }
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "dualcred-" + poolName + "-fail-fast");
                thread.setDaemon(true);
                return thread;
            });
        }
        long interval = SWEEP_INTERVAL.toMillis();
        sweeping = sweeper.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
    }

    private synchronized void stopSweeping() {
        if (sweeping != null && rejection.get().exception == null) {
            sweeping.cancel(false);
            sweeping = null;
        }
    }

    private boolean poolIsEmpty() {
        HikariPoolMXBean started = pool;
        return started == null || started.getTotalConnections() == 0;
    }

    /**
     * A thread's registration. Its state moves {@code IDLE → WAITING} when the thread enters {@code getConnection()},
     * {@code WAITING → WOKEN} when a waker interrupts it, and back to {@code IDLE} when the thread leaves. Only the
     * owning thread leaves {@code IDLE} and only a waker enters {@code WOKEN}, under this borrower's monitor; the
     * owner's own moves take no monitor unless a waker got there first. Every entry also counts a visit in the state,
     * so that a waker's compare-and-set fails if the borrower left and entered again since the waker looked. The
     * thread is held weakly so that a registration never keeps an ended thread alive.
     */
    public static final class Borrower {

        private static final long IDLE = 0;
        private static final long WAITING = 1;
        private static final long WOKEN = 2;
        private static final long PHASE = 3;
        /** Added to the state by every entry. */
        private static final long VISIT = 4;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Borrower.class, "state", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final WeakReference<Thread> thread;
        private final boolean oneOff;
        /** The number of entries times {@link #VISIT}, plus the phase. */
        private volatile long state = IDLE;
        /**
         * The rejection state read on entering; with {@link #rejectedWhenEntering}, written by the owner before it
         * publishes {@code WAITING} (or under the monitor), so a waker that reads {@code WAITING} sees this visit's
         * values: a later visit's values make its compare-and-set fail.
         */
        private Marker entered = Marker.NONE;
        private AllCredentialsRejectedException rejectedWhenEntering;
        /** Written by a waker, read by the owner, both under the monitor. */
        private AllCredentialsRejectedException reason;

        private Borrower(Thread thread, boolean oneOff) {
            this.thread = new WeakReference<>(thread);
            this.oneOff = oneOff;
        }

        /**
         * Marks this borrower waiting, then reads the rejection state: in this order, so that a rejecting thread,
         * which records the rejection before examining borrowers, either is seen here or sees this borrower waiting.
         * The state noted for wakers is the one read just before marking; if the read after differs, the borrower
         * enters again under its monitor.
         *
         * @return {@code false} if this borrower is already waiting (re-entrant call)
         */
        boolean startWaiting(AtomicReference<Marker> rejection) {
            long idle = state;
            if ((idle & PHASE) != IDLE) {
                return false;
            }
            Marker before = rejection.get();
            // Written only when they change: under G1 a reference stored into an old object can cost a memory fence
            // (its card-marking barrier), and this runs on every borrow while the marker almost never changes.
            if (entered != before) {
                entered = before;
            }
            if (rejectedWhenEntering != null) {
                rejectedWhenEntering = null;
            }
            long waiting = idle + VISIT + WAITING;
            STATE.setRelease(this, waiting);
            if (rejection.get() != before) {
                enterAgainUnderMonitor(rejection, waiting);
            }
            return true;
        }

        /**
         * The rejection state changed while this borrower was marked waiting, so a waker may have judged it by the
         * state noted before. If no waker woke it meanwhile, it leaves and enters again where no waker looks in
         * between; if one did, that rejection was in force when the borrower was marked waiting: it stays woken.
         */
        private void enterAgainUnderMonitor(AtomicReference<Marker> rejection, long waiting) {
            if (!STATE.compareAndSet(this, waiting, waiting - WAITING)) {
                return;
            }
            synchronized (this) {
                state = waiting - WAITING + VISIT + WAITING;
                entered = rejection.get();
            }
        }

        /** Runs on the borrower's own thread, in {@link #enter()}; under the monitor so that wakers see it. */
        private synchronized void boundWait(AllCredentialsRejectedException rejected) {
            rejectedWhenEntering = rejected;
        }

        /**
         * Called on the borrower's own thread after {@link #enter()}, which wrote the value on that same thread.
         *
         * @return the rejection in force when this borrower entered an empty pool after the backoff ended, or
         *     {@code null}; when set, the borrower must bound its wait to {@link #MAX_WAIT_WHILE_REJECTED} and
         *     report this rejection if no connection came
         */
        public AllCredentialsRejectedException rejectedWhenEntering() {
            return rejectedWhenEntering;
        }

        /** @return whether this call interrupted the borrower's thread */
        synchronized boolean wake(Marker rejected, AtomicReference<Marker> latest, boolean includingBounded) {
            long waiting = state;
            Thread owner = thread.get();
            // An interrupt the application already sent is left for HikariCP to report; adding ours would make it
            // impossible to tell whose it was.
            if ((waiting & PHASE) != WAITING || owner == null || owner.isInterrupted()
                    || (!includingBounded && rejectedWhenEntering != null)) {
                return false;
            }
            // The rejection is over (a login succeeded, or a newer rejection will do its own waking), or this caller
            // entered after it was over: the caller keeps waiting, for the connection that login brought.
            if (latest.get() != rejected || (entered != rejected && entered.serial >= rejected.serial)) {
                return false;
            }
            // Fails if the borrower left (or left and entered again) since it was read above.
            if (!STATE.compareAndSet(this, waiting, waiting - WAITING + WOKEN)) {
                return false;
            }
            reason = rejected.exception;
            owner.interrupt();
            return true;
        }

        /**
         * Runs on the borrower's own thread, which holds a connection HikariCP lent it.
         *
         * @return {@code false} if the thread is interrupted or the borrower was woken: then {@link #stopWaiting()}
         *     must decide whose interrupt it is
         */
        boolean stopWaitingWithConnection() {
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
            long now = state;
            if ((now & PHASE) != WAITING) {
                return false;
            }
            STATE.setRelease(this, now - WAITING);
            return true;
        }

        /** Runs on the borrower's own thread. */
        AllCredentialsRejectedException stopWaiting() {
            long now = state;
            if ((now & PHASE) == IDLE
                    || ((now & PHASE) == WAITING && STATE.compareAndSet(this, now, now - WAITING))) {
                return null;
            }
            synchronized (this) {
                // wake() set WOKEN and interrupted this thread inside this monitor, so the flag is set and is ours
                // to clear.
                Thread.interrupted();
                AllCredentialsRejectedException woken = reason;
                reason = null;
                state = state - WOKEN;
                return woken;
            }
        }

        boolean threadEnded() {
            Thread owner = thread.get();
            return owner == null || !owner.isAlive();
        }
    }

    /**
     * A rejection of every credential, or none ({@code exception == null}) after a successful login, with the serial
     * of the latest rejection recorded so far. Replaced as a whole, by a new object at every change, so a single read
     * gives both and two reads of the same object mean that nothing changed in between.
     */
    static final class Marker {

        static final Marker NONE = new Marker(null, 0);

        final AllCredentialsRejectedException exception;
        final long serial;

        Marker(AllCredentialsRejectedException exception, long serial) {
            this.exception = exception;
            this.serial = serial;
        }
    }
}
