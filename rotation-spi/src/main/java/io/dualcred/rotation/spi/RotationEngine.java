package io.dualcred.rotation.spi;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationMXBean;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.rotation.internal.ConfigHooks;
import io.dualcred.rotation.spi.EngineState.Rejection;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credential-rotation engine shared by the dualcred connectors. Applications use a connector; connector authors
 * use this class.
 *
 * <p>A connector calls {@link #openWithFallback(ConnectionOpener)} whenever its pool needs a new physical connection
 * (the fallback itself is {@link FallbackLogin}: CURRENT rejected → re-read the source → NEXT → the last accepted
 * credential). The engine also <em>follows the store</em>: whatever it learns from the source (watch, schedule,
 * {@link #refresh()}, a re-read after a rejection) decides the next login, so after a promotion new logins use the
 * new CURRENT at once. Each change of the credential for new logins, and each {@link #evictConnections()}, starts a
 * new generation and tells the connector's {@link ConnectionEvictor}, which replaces the older connections.
 *
 * <p>Nothing here runs on the pool's borrow path, and nothing slow runs under a lock: state is one immutable
 * snapshot swapped under a lock held only for that swap; the source is read on threads of its own with a timeout
 * ({@link RotationConfig#sourceTimeout()}); listeners are called on the pool's event thread; the evictor is told
 * after the swap, outside the lock.
 */
public final class RotationEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RotationEngine.class);

    private final String poolName;
    private final CredentialSource source;
    private final AuthFailureClassifier classifier;
    private final ConnectionEvictor evictor;
    private final RotationConfig config;
    private final Clock clock;
    private final ConfigHooks.Sleeper sleeper;
    private final EventDispatcher events;
    private final SourceReader reader;
    private final FallbackLogin fallback;
    private final Control control = new Control();

    /** Guards only the swap of {@link #state} and {@link #appliedRead}; never held while doing anything slow. */
    private final ReentrantLock swap = new ReentrantLock();
    private volatile EngineState state;
    private long appliedRead;
    /**
     * Counts changes of the source's content; a wait within the retry budget, and a wait for the end of a backoff
     * ({@link #awaitEndOfBackoff()}), ends when it moves.
     */
    private final Object sourceChanged = new Object();
    private long sourceChanges;
    private volatile boolean started;
    private volatile boolean changedWhileStarting;
    private volatile boolean closed;

    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong promotions = new AtomicLong();
    private final AtomicLong rejectedLogins = new AtomicLong();
    private final AtomicLong allRejectedRounds = new AtomicLong();
    private final AtomicLong sourceFailures = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    private final CredentialSource.Watch watch;
    private final ScheduledExecutorService refresher;
    private volatile ObjectName mbeanName;

    private RotationEngine(Builder builder) {
        this.poolName = builder.poolName;
        this.source = builder.source;
        this.classifier = builder.classifier;
        this.evictor = builder.evictor;
        this.config = builder.config;
        this.clock = config.clock();
        ConfigHooks.Sleeper configured = ConfigHooks.sleeper(config);
        this.sleeper = configured != null ? configured : wait -> awaitSourceChange(() -> wait);
        this.events = new EventDispatcher(poolName, config.listeners(), ConfigHooks.eventExecutor(config));
        this.reader = new SourceReader(poolName, source, config.sourceTimeout(), new ReadOutcomes());
        this.fallback = new FallbackLogin(this);

        // The watch starts before the first read so that no change slips between the two; a notice that arrives
        // meanwhile is followed by another read right after start-up.
        this.watch = Objects.requireNonNull(source.watch(this::sourceReportedChange), "watch");
        try {
            CredentialSet initial = readInitialSet();
            swap.lock();
            try {
                if (state == null) {
                    state = EngineState.initial(initial);
                }
            } finally {
                swap.unlock();
            }
        } catch (RuntimeException | Error e) {
            watch.close();
            reader.close();
            events.close();
            throw e;
        }
        started = true;
        LOG.info("{} - started with credential source {} (revision {}): {}", poolName, source.description(),
                state.set().revision(), describe(state.set()));
        if (changedWhileStarting) {
            reader.readInBackground();
        }
        this.refresher = config.refreshInterval().map(this::scheduleRefresh).orElse(null);
    }

    /**
     * @param poolName the pool's name, used to prefix log lines and to name events, status and the MBean
     * @return a builder
     */
    public static Builder builder(String poolName) {
        return new Builder(poolName);
    }

    /**
     * Opens a physical connection with the active credential, falling back to the other credentials when the server
     * rejects it. This is the only method on the connection-creation path.
     *
     * @param opener opens one connection with a given credential
     * @param <C> the connection type
     * @return the connection, tagged with the credential generation and slot it used
     * @throws AllCredentialsRejectedException when every credential is rejected, or promptly (without contacting
     *     the server) while backing off after that
     * @throws Exception whatever the opener threw for a failure that is not an authentication failure, unchanged
     */
    public <C> Login<C> openWithFallback(ConnectionOpener<C> opener) throws Exception {
        return fallback.open(opener, FallbackLogin.Patience.UNLIMITED);
    }

    /**
     * {@link #openWithFallback(ConnectionOpener)} for a caller that waits for a connection only so long, such as a
     * Jedis borrower with {@code maxWait}, which makes the connection on its own thread. While a login with the
     * same credential, or a recovery, is under way on another thread, other callers wait for its outcome rather
     * than try too; this caller waits at most {@code maxWait} for it, however slow that login is (a hanging source,
     * a slow server). Its own login attempts are bounded by the opener's timeouts and the source timeout instead.
     *
     * @param opener opens one connection with a given credential
     * @param maxWait how long to wait at most for a login on another thread
     * @param <C> the connection type
     * @return the connection, tagged with the credential generation and slot it used
     * @throws java.util.concurrent.TimeoutException when {@code maxWait} ran out while waiting for another thread's
     *     login; this caller tried no credential
     * @throws AllCredentialsRejectedException as {@link #openWithFallback(ConnectionOpener)}
     * @throws Exception as {@link #openWithFallback(ConnectionOpener)}
     */
    public <C> Login<C> openWithFallback(ConnectionOpener<C> opener, Duration maxWait) throws Exception {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, was " + maxWait);
        }
        return fallback.open(opener, FallbackLogin.Patience.atMost(maxWait));
    }

    /**
     * The operator's handle on this engine: status, refresh and eviction, but not {@link #close()} and not the
     * engine itself, so that code holding it cannot stop the pool's rotation. Connectors hand this out.
     *
     * @return the handle
     */
    public RotationControl control() {
        return control;
    }

    /**
     * Re-reads the source now (waiting at most the source timeout) and applies what it says: a promotion or a new
     * NEXT shows in {@link #status()}, and if the source no longer lists the active credential, new logins use its
     * CURRENT at once. During a backoff after every credential was rejected, changed credentials end the backoff.
     *
     * @return the status after the read
     */
    public RotationStatus refresh() {
        ensureOpen();
        try {
            reader.read(true);
        } catch (CredentialSourceException e) {
            LOG.debug("{} - refresh: {}", poolName, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return status();
    }

    /**
     * Waits while logins fail fast because every credential was rejected: until the source's content changes (a
     * watch notice, the refresh schedule or {@link #refresh()} found it changed), the backoff ends, or the engine
     * closes. Returns at once when logins are not backing off. Holds no lock while it waits.
     *
     * <p>For a connector whose pool retries a failed login on a schedule of its own, which each fail-fast failure
     * lengthens: HikariCP's connection adder sleeps 10 ms doubling to 5 s between failed logins, and a source fixed
     * while it sleeps goes unnoticed until it wakes. A login that waits here instead of failing fast goes ahead as
     * soon as the engine learns of the fix, and costs the server nothing: the login it then makes is the one the
     * backoff allows anyway, and a source that did not change still gets one login per credential per backoff step.
     *
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public void awaitEndOfBackoff() throws InterruptedException {
        awaitSourceChange(this::backoffLeft);
    }

    /**
     * Starts a new generation without changing the credential: the connector replaces every connection open now,
     * each once its replacement is ready.
     */
    public void evictConnections() {
        ensureOpen();
        long generation;
        swap.lock();
        try {
            EngineState s = state;
            generation = s.generation() + 1;
            state = s.withGeneration(generation);
        } finally {
            swap.unlock();
        }
        LOG.info("{} - replacing every connection (generation {}): eviction requested", poolName, generation);
        retireOlderThan(generation, "eviction requested");
    }

    /** @return the credential generation now in force; increases at every switch and eviction */
    public long generation() {
        return state.generation();
    }

    /**
     * @param generation a connection's {@link Login#generation()}
     * @return whether a switch or eviction happened since that connection was opened, so it should be replaced
     */
    public boolean isStale(long generation) {
        return generation < state.generation();
    }

    /** @return the window a {@link ConnectionReplacer} spreads the replacement of old connections over */
    Duration replacementWindow() {
        return config.replacementWindow();
    }

    /** @return the pool name */
    public String poolName() {
        return poolName;
    }

    /** @return {@code RotationEngine[<pool name>]}; never a credential */
    @Override
    public String toString() {
        return "RotationEngine[" + poolName + "]";
    }

    /** @return a snapshot of the rotation state and counters; never waits */
    public RotationStatus status() {
        EngineState s = state;
        return new RotationStatus(poolName, source.description(), s.activeSlot(), s.active().username(),
                s.activeListed(), s.set().next().isPresent(), s.set().revision(), s.generation(),
                Optional.ofNullable(s.lastSwitchTime()), Optional.ofNullable(s.lastSwitchReason()),
                s.backingOffAt(clock.instant()), s.latestBackoffEnd(), s.rejectedAttempts(), s.sourceFailing(),
                new RotationStatus.Counters(switches.get(), promotions.get(), rejectedLogins.get(),
                        allRejectedRounds.get(), reader.reads(), sourceFailures.get(), evictions.get()));
    }

    /**
     * Registers a {@link RotationMXBean} as {@code io.dualcred:type=Rotation,name=<pool>} with the platform MBean
     * server; {@link #close()} unregisters it.
     *
     * @return the object name
     * @throws IllegalStateException when registration fails, e.g. because the name is taken
     */
    public ObjectName registerMBean() {
        ensureOpen();
        try {
            ObjectName name = new ObjectName("io.dualcred:type=Rotation,name=" + ObjectName.quote(poolName));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(new StandardMBean(new RotationJmx(control), RotationMXBean.class, true), name);
            mbeanName = name;
            return name;
        } catch (JMException e) {
            throw new IllegalStateException(poolName + " - cannot register the rotation MBean: " + e, e);
        }
    }

    /**
     * Stops the source watch, the refresh schedule, the reader and event threads, unregisters the MBean, and wakes
     * every login waiting inside the engine; they fail with {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        fallback.close();
        synchronized (sourceChanged) {
            sourceChanged.notifyAll();
        }
        watch.close();
        if (refresher != null) {
            refresher.shutdownNow();
        }
        reader.close();
        events.close();
        ObjectName name = mbeanName;
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException e) {
                LOG.debug("{} - rotation MBean was already unregistered: {}", poolName, e.toString());
            }
        }
        LOG.debug("{} - rotation engine closed", poolName);
    }

    // ---- what FallbackLogin needs ------------------------------------------------------------------------------

    EngineState state() {
        return state;
    }

    Clock clock() {
        return clock;
    }

    RotationConfig config() {
        return config;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(poolName + " - the rotation engine is closed");
        }
    }

    boolean isAuthenticationFailure(Exception failure) {
        return classifier.isAuthenticationFailure(failure);
    }

    /** A login with the active credential of {@code seen} to {@code target} succeeded. */
    <C> Login<C> accepted(EngineState seen, C connection, String target) {
        EngineState s = state;
        if (!seen.active().equals(s.lastAccepted()) || s.rejection() != null
                || (target != null && s.targetRejections().containsKey(target))) {
            swap.lock();
            try {
                s = state;
                if (s.active().equals(seen.active())) {
                    state = s.accepted(target);
                }
            } finally {
                swap.unlock();
            }
        }
        return new Login<>(connection, seen.generation(), seen.activeSlot(), seen.active().username());
    }

    /** The recovery found {@code credential} accepted: it becomes the active one, switching if it was not. */
    <C> Login<C> acceptedInRecovery(C connection, Credential credential, Slot slot, List<Attempt> attempts,
                                    String target) {
        EngineState before;
        EngineState after;
        Instant now = clock.instant();
        String reason = attempts.stream().map(a -> a + " rejected").reduce((a, b) -> a + ", " + b)
                .map(rejected -> rejected + "; ").orElse("") + slot + " " + credential.username() + " accepted";
        swap.lock();
        try {
            before = state;
            after = credential.equals(before.active()) ? before.accepted(target)
                    : before.switchedTo(credential, slot, true, target, now, reason);
            state = after;
        } finally {
            swap.unlock();
        }
        if (after.generation() == before.generation()) {
            if (before.rejectionFor(target) != null) {
                LOG.info("{} - logins{} accepted again with {} {}", poolName, target == null ? "" : " to " + target,
                        slot, credential.username());
            }
            return new Login<>(connection, after.generation(), slot, credential.username());
        }
        switches.incrementAndGet();
        if (!after.activeListed()) {
            LOG.warn("{} - the source lists neither CURRENT nor NEXT that the server accepts; new logins use the last "
                    + "accepted credential, {} {}, as the final fallback (generation {}): {}", poolName, slot,
                    credential.username(), after.generation(), reason);
        } else if (slot == before.activeSlot() && credential.username().equals(before.active().username())) {
            LOG.info("{} - switched to the source's new {} credential for {} (generation {}): {}", poolName, slot,
                    credential.username(), after.generation(), reason);
        } else {
            LOG.info("{} - switched credentials from {} {} to {} {} (generation {}): {}", poolName,
                    before.activeSlot(), before.active().username(), slot, credential.username(),
                    after.generation(), reason);
        }
        EngineState b = before;
        long generation = after.generation();
        events.publish(() -> new RotationEvent.CredentialSwitched(poolName, now, b.activeSlot(),
                b.active().username(), slot, credential.username(), generation));
        retireOlderThan(generation, "switched to " + slot + " " + credential.username());
        return new Login<>(connection, generation, slot, credential.username());
    }

    AllCredentialsRejectedException rejectAll(List<Attempt> attempts, int rounds, Instant now, Duration wait,
                                              Exception last, String target) {
        String reply = last == null ? null : classifier.reply(last);
        AllCredentialsRejectedException rejected = new AllCredentialsRejectedException(
                target == null ? poolName : poolName + " (" + target + ")", attempts, reply, wait, last);
        swap.lock();
        try {
            state = state.rejected(target, new Rejection(rounds, now.plus(wait), rejected));
        } finally {
            swap.unlock();
        }
        allRejectedRounds.incrementAndGet();
        if (rounds == 1) {
            LOG.warn("{}", rejected.getMessage());
        } else {
            LOG.debug("{} (round {})", rejected.getMessage(), rounds);
        }
        events.publish(() -> new RotationEvent.AllRejected(poolName, now, rejected.attempts(), wait, rounds));
        return rejected;
    }

    /** A caller during the backoff: the same attempts, the time left, and the server's own reply as the cause. */
    AllCredentialsRejectedException failFast(Rejection rejection, Instant now) {
        AllCredentialsRejectedException first = rejection.exception();
        return new AllCredentialsRejectedException(first.poolName(), first.attempts(),
                first.serverReply().orElse(null), Duration.between(now, rejection.until()), first.getCause());
    }

    void recordRejection(Slot slot, Credential credential, Exception failure) {
        rejectedLogins.incrementAndGet();
        String code = classifier.code(failure);
        LOG.debug("{} - {} {} rejected by the server ({})", poolName, slot, credential.username(), code);
        events.publish(() -> new RotationEvent.CredentialRejected(poolName, clock.instant(), slot,
                credential.username(), code));
    }

    /** Re-reads the source for a recovery; on failure the last good set stays in force (and has been reported). */
    void readFreshKeepingLastGood() throws InterruptedException {
        try {
            reader.read(true);
        } catch (CredentialSourceException e) {
            LOG.debug("{} - recovering with the last good credentials: {}", poolName, e.getMessage());
        }
    }

    void waitWithinBudget(Duration wait) throws InterruptedException {
        LOG.debug("{} - every credential rejected; trying again in {} ms within the login retry budget", poolName,
                wait.toMillis());
        sleeper.sleep(wait);
    }

    // ---- following the store -----------------------------------------------------------------------------------

    private CredentialSet readInitialSet() {
        try {
            return reader.read(false);
        } catch (CredentialSourceException e) {
            throw new CredentialSourceException(poolName + " - cannot start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialSourceException(poolName + " - cannot start: interrupted while reading the "
                    + "credential source", e);
        }
    }

    /** Applies what a read found, if no later read has been applied already. Runs on a reader thread. */
    private void applyLoaded(long sequence, CredentialSet loaded) {
        EngineState before;
        EngineState after;
        Instant now = clock.instant();
        swap.lock();
        try {
            if (sequence <= appliedRead) {
                return;
            }
            appliedRead = sequence;
            before = state;
            if (before == null) {
                return;   // the initial read: the constructor installs it
            }
            after = follow(before, loaded, now);
            state = after;
        } finally {
            swap.unlock();
        }
        reportApplied(before, after, loaded, now);
    }

    /**
     * The state after reading {@code loaded}: the active credential stays while the source lists it; when a changed
     * source no longer lists it (a promotion, a rollback, a new CURRENT), new logins use the source's CURRENT.
     */
    private static EngineState follow(EngineState s, CredentialSet loaded, Instant now) {
        if (loaded.equals(s.set())) {
            return s.withSourceFailing(false);
        }
        // New secrets end every backoff: the next login tries them at once instead of failing fast.
        EngineState withSet = s.withSet(loaded, now);
        if (withSet.activeListed()) {
            return withSet;
        }
        return withSet.switchedTo(loaded.current(), Slot.CURRENT, false, null, now,
                "the source no longer lists " + s.activeSlot() + " " + s.active().username() + "; CURRENT "
                        + loaded.current().username() + " follows the source");
    }

    private void reportApplied(EngineState before, EngineState after, CredentialSet loaded, Instant now) {
        if (before.sourceFailing()) {
            LOG.info("{} - credential source {} can be read again", poolName, source.description());
        }
        boolean changed = !loaded.equals(before.set());
        events.publish(() -> new RotationEvent.SourceReloaded(poolName, now, loaded.revision(), changed,
                loaded.next().isPresent()));
        if (!changed) {
            return;
        }
        synchronized (sourceChanged) {
            sourceChanges++;
            sourceChanged.notifyAll();
        }
        LOG.info("{} - credential source changed to revision {}: {}", poolName, loaded.revision(), describe(loaded));
        if (after.generation() != before.generation()) {
            switches.incrementAndGet();
            LOG.info("{} - new logins use CURRENT {} (generation {}): the source no longer lists {} {}, which stays "
                    + "the final fallback", poolName, after.active().username(), after.generation(),
                    before.activeSlot(), before.active().username());
            long generation = after.generation();
            events.publish(() -> new RotationEvent.CredentialSwitched(poolName, now, before.activeSlot(),
                    before.active().username(), Slot.CURRENT, after.active().username(), generation));
            retireOlderThan(generation, "the source promoted CURRENT " + after.active().username());
        } else if (before.activeSlot() == Slot.NEXT && after.activeSlot() == Slot.CURRENT) {
            promotions.incrementAndGet();
            LOG.info("{} - {} promoted from NEXT to CURRENT; the pool already uses it", poolName,
                    after.active().username());
            events.publish(() -> new RotationEvent.CredentialsPromoted(poolName, now, after.active().username(),
                    loaded.revision()));
        }
    }

    private void sourceFailed(String problem) {
        sourceFailures.incrementAndGet();
        EngineState before;
        swap.lock();
        try {
            before = state;
            if (before == null) {
                return;
            }
            state = before.withSourceFailing(true);
        } finally {
            swap.unlock();
        }
        if (!before.sourceFailing()) {
            LOG.warn("{} - cannot read credential source {}; keeping revision {}: {}", poolName, source.description(),
                    before.set().revision(), problem);
        }
        String kept = before.set().revision();
        events.publish(() -> new RotationEvent.SourceFailed(poolName, clock.instant(), source.description(), problem,
                kept));
    }

    private void retireOlderThan(long generation, String reason) {
        evictions.incrementAndGet();
        try {
            evictor.evictOlderThan(generation);
        } catch (RuntimeException e) {
            LOG.warn("{} - replacing connections older than generation {} failed: {}", poolName, generation,
                    e.toString());
        }
        events.publish(() -> new RotationEvent.ConnectionsEvicted(poolName, clock.instant(), generation, reason));
    }

    private void sourceReportedChange() {
        if (closed) {
            return;
        }
        if (!started) {
            changedWhileStarting = true;
            return;
        }
        LOG.debug("{} - re-reading the credential source: the source reported a change", poolName);
        reader.readInBackground();
    }

    /**
     * Waits {@code wait} at most, ending early when the source's content changes or the engine closes. The duration
     * is asked for once this wait counts changes, so that none slips in between.
     */
    private void awaitSourceChange(Supplier<Duration> wait) throws InterruptedException {
        synchronized (sourceChanged) {
            long seen = sourceChanges;
            long deadline = System.nanoTime() + wait.get().toNanos();
            while (sourceChanges == seen && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(sourceChanged, left);
            }
        }
    }

    /** @return how long logins still fail fast; zero when they do not */
    private Duration backoffLeft() {
        EngineState s = state;
        Instant now = clock.instant();
        return s.backingOffAt(now) ? Duration.between(now, s.latestBackoffEnd().orElseThrow()) : Duration.ZERO;
    }

    private ScheduledExecutorService scheduleRefresh(Duration interval) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "dualcred-" + poolName + "-refresh");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        executor.scheduleWithFixedDelay(() -> {
            LOG.debug("{} - re-reading the credential source: scheduled refresh", poolName);
            reader.readInBackground();
        }, millis, millis, TimeUnit.MILLISECONDS);
        return executor;
    }

    private static String describe(CredentialSet set) {
        return "CURRENT " + named(set.current())
                + set.next().map(next -> ", NEXT " + named(next)).orElse(", no NEXT");
    }

    /** @return the username, and the store's version when it has one: {@code orders (v7)} */
    private static String named(Credential credential) {
        return credential.username() + credential.version().map(version -> " (v" + version + ")").orElse("");
    }

    /** Hands each read's outcome to the engine. */
    private final class ReadOutcomes implements SourceReader.Outcomes {

        @Override
        public void loaded(long sequence, CredentialSet loaded) {
            applyLoaded(sequence, loaded);
        }

        @Override
        public void failed(long sequence, String problem) {
            sourceFailed(problem);
        }
    }

    /** The operator's handle: everything of {@link RotationControl}, nothing of the engine. */
    private final class Control implements RotationControl {

        @Override
        public String poolName() {
            return poolName;
        }

        @Override
        public RotationStatus status() {
            return RotationEngine.this.status();
        }

        @Override
        public RotationStatus refresh() {
            return RotationEngine.this.refresh();
        }

        @Override
        public void evictConnections() {
            RotationEngine.this.evictConnections();
        }

        @Override
        public String toString() {
            return "RotationControl[" + poolName + "]";
        }
    }

    /** Builds and starts a {@link RotationEngine}; {@link #start()} names any missing part. */
    public static final class Builder {

        private final String poolName;
        private CredentialSource source;
        private AuthFailureClassifier classifier;
        private ConnectionEvictor evictor;
        private RotationConfig config = RotationConfig.ofDefaults();

        private Builder(String poolName) {
            if (poolName == null || poolName.isBlank()) {
                throw new IllegalArgumentException("poolName must not be blank");
            }
            this.poolName = poolName;
        }

        /**
         * @param source where the credentials come from
         * @return this builder
         */
        public Builder source(CredentialSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * @param classifier tells authentication failures from other failures
         * @return this builder
         */
        public Builder classifier(AuthFailureClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /**
         * @param evictor replaces connections of older generations; told after each new generation, outside any
         *     engine lock, and must not block
         * @return this builder
         */
        public Builder evictor(ConnectionEvictor evictor) {
            this.evictor = Objects.requireNonNull(evictor, "evictor");
            return this;
        }

        /**
         * @param config backoff, retry budget, source timeout, refresh schedule and listeners
         * @return this builder
         */
        public Builder config(RotationConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Reads the source once (waiting at most the source timeout) and starts the watch and the refresh schedule.
         *
         * @return the running engine
         * @throws IllegalStateException naming a missing part
         * @throws CredentialSourceException when the source cannot be read
         */
        public RotationEngine start() {
            if (source == null) {
                throw new IllegalStateException(poolName + " - a credential source is required (source)");
            }
            if (classifier == null) {
                throw new IllegalStateException(poolName + " - an authentication-failure classifier is required "
                        + "(classifier)");
            }
            if (evictor == null) {
                throw new IllegalStateException(poolName + " - a connection evictor is required (evictor)");
            }
            return new RotationEngine(this);
        }
    }
}
