package io.dualcred.rotation;

import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * <p>A connector calls {@link #openWithFallback(ConnectionOpener)} whenever its pool needs a new physical connection.
 * The engine logs in with the active credential (CURRENT at start). When the server rejects it as an authentication
 * failure, the engine re-reads the source once however many threads failed together, tries the other credentials,
 * and on success makes the accepted one active and asks the connector to evict the connections made before the
 * switch. Failures that are not authentication failures never change anything and propagate unchanged. When every
 * credential is rejected it throws {@link AllCredentialsRejectedException} and backs off (see {@link RotationConfig}).
 *
 * <p>Nothing here runs on the pool's borrow path: the engine is consulted only when a physical connection is
 * created. State lives in one immutable snapshot swapped under a lock; reads are lock-free.
 */
public final class RotationEngine implements RotationControl, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RotationEngine.class);

    /** A login that saw another thread change the state looks again at most this many times before acting. */
    private static final int MAX_PASSES = 3;

    private final String poolName;
    private final CredentialSource source;
    private final AuthFailureClassifier classifier;
    private final ConnectionEvictor evictor;
    private final RotationConfig config;
    private final Clock clock;
    private final List<RotationListener> listeners;

    private final ReentrantLock transitions = new ReentrantLock();
    private volatile State state;
    private volatile boolean closed;
    private boolean changedWhileStarting;
    /**
     * The active credential the server has rejected while its recovery has not finished yet, or {@code null}.
     * Logins that start meanwhile wait for that recovery instead of trying the rejected credential again, so a
     * pool that opens many connections at once (commons-pool2 opens them on the borrowing threads) causes one
     * rejected login per switch plus only those already under way. It names the credential, not a generation: an
     * eviction raises the generation without changing the credential, and must not make it worth trying again.
     */
    private volatile Credential rejectedActive;
    /**
     * The newest generation whose credential has had one login attempt that the server did not reject. Until
     * then, logins with a new generation's credential go one at a time ({@link #probe}): when the server already
     * changed the password, a burst of new connections (a pool filling up after an eviction) then causes one
     * rejected login instead of one per connection. A network failure also opens the gate, so an unreachable server
     * does not make callers queue for each other's connect timeouts.
     */
    private final AtomicLong probedGeneration = new AtomicLong(-1);
    private final ReentrantLock probe = new ReentrantLock();

    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong promotions = new AtomicLong();
    private final AtomicLong rejectedLogins = new AtomicLong();
    private final AtomicLong allRejectedRounds = new AtomicLong();
    private final AtomicLong sourceLoads = new AtomicLong();
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
        this.listeners = config.listeners();

        // The watch starts before the first load so that no change can slip between the two; a notice that
        // arrives meanwhile waits for the lock and is applied right after start-up.
        transitions.lock();
        try {
            this.watch = Objects.requireNonNull(source.watch(() -> refreshQuietly("the source reported a change")),
                    "watch");
            CredentialSet initial;
            try {
                initial = loadInitialSet();
            } catch (RuntimeException e) {
                watch.close();
                throw e;
            }
            this.state = State.initial(initial);
            LOG.info("{} - started with credential source {} (revision {}): {}", poolName, source.description(),
                    initial.revision(), describe(initial));
            if (changedWhileStarting) {
                reload(false);
            }
        } finally {
            transitions.unlock();
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
        Objects.requireNonNull(opener, "opener");
        for (int pass = 1; ; pass++) {
            ensureOpen();
            State seen = state;
            if (seen.rejection != null) {
                Instant now = clock.instant();
                if (now.isBefore(seen.rejection.until)) {
                    throw failFast(seen.rejection, now);
                }
                Login<C> login = recoverIfUnchanged(opener, seen, null, null, pass);
                if (login != null) {
                    return login;
                }
                continue;
            }
            if (seen.active.equals(rejectedActive)) {
                Login<C> login = recoverIfUnchanged(opener, seen, seen.active, null, pass);
                if (login != null) {
                    return login;
                }
                continue;
            }
            boolean probing = probedGeneration.get() < seen.generation;
            if (probing) {
                probe.lockInterruptibly();
                if (state != seen || probedGeneration.get() >= seen.generation
                        || seen.active.equals(rejectedActive)) {
                    probe.unlock();   // another login settled it meanwhile: look again
                    continue;
                }
            }
            Exception rejection;
            try {
                C connection = login(opener, seen.active);
                probed(seen.generation);
                return new Login<>(connection, seen.generation, seen.activeSlot, seen.active.username());
            } catch (Exception failure) {
                if (!isAuthenticationFailure(failure)) {
                    probed(seen.generation);
                    throw failure;
                }
                rejectedActive = seen.active;
                recordRejection(seen.activeSlot, seen.active, failure);
                rejection = failure;
            } finally {
                if (probing) {
                    probe.unlock();
                }
            }
            Login<C> login = recoverIfUnchanged(opener, seen, seen.active, rejection, pass);
            if (login != null) {
                return login;
            }
        }
    }

    /**
     * Re-reads the source now. A promotion or a new NEXT shows in {@link #status()} afterwards; nothing is switched
     * or evicted, since switching happens only when the server rejects the active credential. If logins were
     * backing off and the source changed, the next login tries the new credentials at once.
     *
     * @return the status after the read
     */
    @Override
    public RotationStatus refresh() {
        ensureOpen();
        transitions.lock();
        try {
            reload(true);
        } finally {
            transitions.unlock();
        }
        return status();
    }

    /**
     * Retires every connection open now (idle ones at once, busy ones when returned) without changing the
     * credential: the generation increases and the connector evicts everything older.
     */
    @Override
    public void evictConnections() {
        ensureOpen();
        transitions.lock();
        try {
            State s = state;
            state = s.withGeneration(s.generation + 1);
            evict(s.generation + 1, "eviction requested");
        } finally {
            transitions.unlock();
        }
    }

    /** @return the credential generation now in force; increases at every switch and eviction */
    public long generation() {
        return state.generation;
    }

    /**
     * @param generation a connection's {@link Login#generation()}
     * @return whether a switch or eviction happened since that connection was opened, so it should be retired
     */
    public boolean isStale(long generation) {
        return generation < state.generation;
    }

    /** @return the pool name */
    @Override
    public String poolName() {
        return poolName;
    }

    /** @return {@code RotationEngine[<pool name>]}; never a credential */
    @Override
    public String toString() {
        return "RotationEngine[" + poolName + "]";
    }

    /** @return a snapshot of the rotation state and counters */
    @Override
    public RotationStatus status() {
        State s = state;
        return new RotationStatus(poolName, source.description(), s.activeSlot, s.active.username(),
                s.activeListed, s.set.next().isPresent(), s.set.revision(), s.generation,
                Optional.ofNullable(s.lastSwitchTime), Optional.ofNullable(s.lastSwitchReason),
                s.rejection != null && clock.instant().isBefore(s.rejection.until),
                Optional.ofNullable(s.rejection).map(r -> r.until), s.sourceFailing,
                new RotationStatus.Counters(switches.get(), promotions.get(), rejectedLogins.get(),
                        allRejectedRounds.get(), sourceLoads.get(), sourceFailures.get(), evictions.get()));
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
            server.registerMBean(new StandardMBean(new Jmx(), RotationMXBean.class, true), name);
            mbeanName = name;
            return name;
        } catch (JMException e) {
            throw new IllegalStateException(poolName + " - cannot register the rotation MBean: " + e, e);
        }
    }

    /** Stops the source watch and the refresh schedule and unregisters the MBean. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watch.close();
        if (refresher != null) {
            refresher.shutdownNow();
        }
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

    // ---- the fallback ------------------------------------------------------------------------------------------

    /**
     * Runs a recovery round under the lock, unless another thread changed the state since {@code seen} (it switched,
     * or every credential was just rejected): then returns {@code null} so that the caller looks again, which gives
     * N threads failing together one source load and one switch.
     */
    private <C> Login<C> recoverIfUnchanged(ConnectionOpener<C> opener, State seen, Credential rejected,
                                            Exception rejection, int pass) throws Exception {
        transitions.lockInterruptibly();
        try {
            if (state != seen && pass < MAX_PASSES) {
                return null;
            }
            ensureOpen();
            return recover(opener, rejected, rejection);
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Re-reads the source and tries every credential not yet rejected in this step, CURRENT first. Within the
     * login retry budget, waits for the backoff interval and tries again; past it, records the rejected round and
     * throws. Called with the lock held.
     */
    private <C> Login<C> recover(ConnectionOpener<C> opener, Credential alreadyRejected, Exception lastRejection)
            throws Exception {
        Instant deadline = clock.instant().plus(config.loginRetryBudget());
        List<Attempt> attempts = new ArrayList<>();
        Set<Credential> rejectedThisStep = new HashSet<>();
        if (alreadyRejected != null) {
            rejectedThisStep.add(alreadyRejected);
            attempts.add(new Attempt(state.activeSlot, alreadyRejected.username()));
        }
        Exception last = lastRejection;
        int rounds = state.rejection == null ? 0 : state.rejection.rounds;
        while (true) {
            CredentialSet set = reload(true);
            for (Slot slot : Slot.values()) {
                Credential candidate = set.get(slot).orElse(null);
                if (candidate == null || !rejectedThisStep.add(candidate)) {
                    continue;
                }
                C connection;
                try {
                    connection = login(opener, candidate);
                } catch (Exception failure) {
                    if (!isAuthenticationFailure(failure)) {
                        // The recovery ends here; otherwise every later login would go straight to recovery and
                        // re-read the source while the server is unreachable, instead of trying the active one.
                        rejectedActive = null;
                        throw failure;
                    }
                    recordRejection(slot, candidate, failure);
                    Attempt attempt = new Attempt(slot, candidate.username());
                    if (!attempts.contains(attempt)) {
                        attempts.add(attempt);
                    }
                    last = failure;
                    continue;
                }
                return accept(connection, slot, candidate, attempts);
            }
            rounds++;
            Duration wait = Duration.ofMillis(config.backoff().apply(rounds));
            Instant now = clock.instant();
            if (now.plus(wait).isAfter(deadline)) {
                throw rejectAll(attempts, rounds, now, wait, last);
            }
            LOG.debug("{} - every credential rejected; retrying in {} ms within the login retry budget",
                    poolName, wait.toMillis());
            sleep(wait);
            rejectedThisStep.clear();
        }
    }

    private <C> Login<C> accept(C connection, Slot slot, Credential credential, List<Attempt> attempts) {
        // The rejection mark is cleared only once the new state is visible: a login that found it cleared while
        // the old state was still in place would try the rejected credential again.
        State s = state;
        if (credential.equals(s.active)) {
            if (s.rejection != null) {
                LOG.info("{} - logins accepted again with {} {}", poolName, slot, credential.username());
            }
            state = s.accepted(slot);
            rejectedActive = null;
            probed(s.generation);
            return new Login<>(connection, s.generation, slot, credential.username());
        }
        long generation = s.generation + 1;
        Instant now = clock.instant();
        String reason = attempts.stream().map(a -> a + " rejected").reduce((a, b) -> a + ", " + b)
                .map(rejected -> rejected + "; ").orElse("") + slot + " " + credential.username() + " accepted";
        state = s.switchedTo(credential, slot, generation, now, reason);
        rejectedActive = null;
        probed(generation);
        switches.incrementAndGet();
        if (slot == s.activeSlot && credential.username().equals(s.active.username())) {
            LOG.info("{} - switched to the source's new {} credential for {} (generation {}): {}", poolName, slot,
                    credential.username(), generation, reason);
        } else {
            LOG.info("{} - switched credentials from {} {} to {} {} (generation {}): {}", poolName, s.activeSlot,
                    s.active.username(), slot, credential.username(), generation, reason);
        }
        publish(() -> new RotationEvent.CredentialSwitched(poolName, now, s.activeSlot, s.active.username(), slot,
                credential.username(), generation));
        evict(generation, "switched to " + slot + " " + credential.username());
        return new Login<>(connection, generation, slot, credential.username());
    }

    private AllCredentialsRejectedException rejectAll(List<Attempt> attempts, int rounds, Instant now,
                                                      Duration wait, Exception last) {
        AllCredentialsRejectedException rejected = new AllCredentialsRejectedException(poolName, attempts, wait, last);
        state = state.rejected(new Rejection(rounds, now.plus(wait), rejected));
        allRejectedRounds.incrementAndGet();
        if (rounds == 1) {
            LOG.warn("{}", rejected.getMessage());
        } else {
            LOG.debug("{} (round {})", rejected.getMessage(), rounds);
        }
        publish(() -> new RotationEvent.AllRejected(poolName, now, rejected.attempts(), wait, rounds));
        return rejected;
    }

    private AllCredentialsRejectedException failFast(Rejection rejection, Instant now) {
        AllCredentialsRejectedException first = rejection.exception;
        return new AllCredentialsRejectedException(poolName, first.attempts(), Duration.between(now, rejection.until),
                first.getCause());
    }

    private <C> C login(ConnectionOpener<C> opener, Credential credential) throws Exception {
        return Objects.requireNonNull(opener.open(credential), "ConnectionOpener returned null");
    }

    private void probed(long generation) {
        probedGeneration.accumulateAndGet(generation, Math::max);
    }

    private boolean isAuthenticationFailure(Exception failure) {
        return classifier.isAuthenticationFailure(failure);
    }

    private void recordRejection(Slot slot, Credential credential, Exception failure) {
        rejectedLogins.incrementAndGet();
        LOG.debug("{} - {} {} rejected by the server ({})", poolName, slot, credential.username(),
                classifier.code(failure));
        publish(() -> new RotationEvent.CredentialRejected(poolName, clock.instant(), slot, credential.username(),
                classifier.code(failure)));
    }

    private void evict(long generation, String reason) {
        evictions.incrementAndGet();
        try {
            evictor.evictOlderThan(generation);
        } catch (RuntimeException e) {
            LOG.warn("{} - evicting connections older than generation {} failed: {}", poolName, generation,
                    e.toString());
        }
        publish(() -> new RotationEvent.ConnectionsEvicted(poolName, clock.instant(), generation, reason));
    }

    private void sleep(Duration wait) throws InterruptedException {
        config.sleeper().sleep(wait);
    }

    // ---- reading the source ------------------------------------------------------------------------------------

    private CredentialSet loadInitialSet() {
        sourceLoads.incrementAndGet();
        try {
            return Objects.requireNonNull(source.load(), "the source returned no credential set");
        } catch (Exception e) {
            sourceFailures.incrementAndGet();
            throw new CredentialSourceException(poolName + " - cannot start: credential source "
                    + source.description() + " failed: " + problem(e), e);
        }
    }

    /**
     * Reads the source and applies what changed; on failure keeps the last good set. Called with the lock held.
     *
     * @param fresh whether a cached copy will not do (after a rejection, on an explicit refresh)
     * @return the set in force afterwards
     */
    private CredentialSet reload(boolean fresh) {
        sourceLoads.incrementAndGet();
        State s = state;
        CredentialSet loaded;
        try {
            loaded = Objects.requireNonNull(fresh ? source.loadFresh() : source.load(),
                    "the source returned no credential set");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            sourceFailures.incrementAndGet();
            String problem = problem(e);
            if (!s.sourceFailing) {
                LOG.warn("{} - cannot read credential source {}; keeping revision {}: {}", poolName,
                        source.description(), s.set.revision(), problem);
            }
            state = s.withSourceFailing(true);
            publish(() -> new RotationEvent.SourceFailed(poolName, clock.instant(), source.description(), problem,
                    s.set.revision()));
            return s.set;
        }
        if (s.sourceFailing) {
            LOG.info("{} - credential source {} can be read again", poolName, source.description());
        }
        boolean changed = !loaded.equals(s.set);
        state = changed ? applyChangedSet(s, loaded) : s.withSourceFailing(false);
        publish(() -> new RotationEvent.SourceReloaded(poolName, clock.instant(), loaded.revision(), changed,
                loaded.next().isPresent()));
        return loaded;
    }

    private State applyChangedSet(State s, CredentialSet loaded) {
        Optional<Slot> slot = loaded.slotOf(s.active);
        LOG.info("{} - credential source changed to revision {}: {}", poolName, loaded.revision(), describe(loaded));
        if (slot.isEmpty()) {
            LOG.info("{} - the source no longer lists the active credential ({} {}); it stays in use until the "
                    + "server rejects it", poolName, s.activeSlot, s.active.username());
        }
        if (s.activeSlot == Slot.NEXT && slot.orElse(null) == Slot.CURRENT) {
            promotions.incrementAndGet();
            LOG.info("{} - {} promoted from NEXT to CURRENT; nothing to switch or evict", poolName,
                    s.active.username());
            publish(() -> new RotationEvent.CredentialsPromoted(poolName, clock.instant(), s.active.username(),
                    loaded.revision()));
        }
        // New secrets end a backoff: the next login tries them at once instead of failing fast.
        Rejection rejection = s.rejection == null ? null : s.rejection.endingAt(clock.instant());
        return new State(loaded, s.active, slot.orElse(s.activeSlot), slot.isPresent(), s.generation, false,
                rejection, s.lastSwitchTime, s.lastSwitchReason);
    }

    private void refreshQuietly(String why) {
        if (closed) {
            return;
        }
        LOG.debug("{} - re-reading the credential source: {}", poolName, why);
        transitions.lock();
        try {
            if (state == null) {
                // A watch that reported a change from inside watch() itself, on the starting thread.
                changedWhileStarting = true;
                return;
            }
            reload(false);
        } catch (RuntimeException e) {
            LOG.warn("{} - refresh failed: {}", poolName, e.toString());
        } finally {
            transitions.unlock();
        }
    }

    private ScheduledExecutorService scheduleRefresh(Duration interval) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "dualcred-" + poolName + "-refresh");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        executor.scheduleWithFixedDelay(() -> refreshQuietly("scheduled refresh"), millis, millis,
                TimeUnit.MILLISECONDS);
        return executor;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private void publish(Supplier<RotationEvent> event) {
        if (listeners.isEmpty()) {
            return;
        }
        RotationEvent built = event.get();
        for (RotationListener listener : listeners) {
            try {
                listener.onEvent(built);
            } catch (RuntimeException e) {
                LOG.warn("{} - rotation listener {} failed on {}: {}", poolName, listener.getClass().getName(),
                        built.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(poolName + " - the rotation engine is closed");
        }
    }

    private static String describe(CredentialSet set) {
        return "CURRENT " + set.current().username()
                + set.next().map(next -> ", NEXT " + next.username()).orElse(", no NEXT");
    }

    private static String problem(Exception e) {
        return e instanceof CredentialSourceException ? e.getMessage() : e.toString();
    }

    /** Every credential was rejected {@code rounds} times in a row; logins fail fast until {@code until}. */
    private record Rejection(int rounds, Instant until, AllCredentialsRejectedException exception) {

        Rejection endingAt(Instant now) {
            return new Rejection(rounds, now, exception);
        }
    }

    /** One immutable snapshot of the engine's state; every transition builds a new one. */
    private record State(CredentialSet set, Credential active, Slot activeSlot, boolean activeListed,
                         long generation, boolean sourceFailing, Rejection rejection, Instant lastSwitchTime,
                         String lastSwitchReason) {

        static State initial(CredentialSet set) {
            return new State(set, set.current(), Slot.CURRENT, true, 0, false, null, null, null);
        }

        State withGeneration(long next) {
            return new State(set, active, activeSlot, activeListed, next, sourceFailing, rejection, lastSwitchTime,
                    lastSwitchReason);
        }

        State withSourceFailing(boolean failing) {
            return failing == sourceFailing ? this : new State(set, active, activeSlot, activeListed, generation,
                    failing, rejection, lastSwitchTime, lastSwitchReason);
        }

        State accepted(Slot slot) {
            return new State(set, active, slot, activeListed, generation, sourceFailing, null, lastSwitchTime,
                    lastSwitchReason);
        }

        State switchedTo(Credential credential, Slot slot, long next, Instant time, String reason) {
            return new State(set, credential, slot, true, next, sourceFailing, null, time, reason);
        }

        State rejected(Rejection newRejection) {
            return new State(set, active, activeSlot, activeListed, generation, sourceFailing, newRejection,
                    lastSwitchTime, lastSwitchReason);
        }
    }

    /** The JMX face of this engine. */
    private final class Jmx implements RotationMXBean {

        @Override
        public String getPoolName() {
            return poolName;
        }

        @Override
        public String getSource() {
            return source.description();
        }

        @Override
        public String getActiveSlot() {
            return status().activeSlot().name();
        }

        @Override
        public String getActiveUsername() {
            return status().activeUsername();
        }

        @Override
        public boolean isNextStaged() {
            return status().nextStaged();
        }

        @Override
        public String getSourceRevision() {
            return status().sourceRevision();
        }

        @Override
        public long getGeneration() {
            return generation();
        }

        @Override
        public String getLastSwitchTime() {
            return status().lastSwitchTime().map(Instant::toString).orElse("");
        }

        @Override
        public String getLastSwitchReason() {
            return status().lastSwitchReason().orElse("");
        }

        @Override
        public boolean isBackingOff() {
            return status().backingOff();
        }

        @Override
        public boolean isSourceFailing() {
            return status().sourceFailing();
        }

        @Override
        public long getSwitches() {
            return switches.get();
        }

        @Override
        public long getRejectedLogins() {
            return rejectedLogins.get();
        }

        @Override
        public long getAllRejectedRounds() {
            return allRejectedRounds.get();
        }

        @Override
        public long getSourceLoads() {
            return sourceLoads.get();
        }

        @Override
        public long getSourceFailures() {
            return sourceFailures.get();
        }

        @Override
        public long getEvictions() {
            return evictions.get();
        }

        @Override
        public void refresh() {
            RotationEngine.this.refresh();
        }

        @Override
        public void evictConnections() {
            RotationEngine.this.evictConnections();
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
         * @param evictor retires connections of older generations
         * @return this builder
         */
        public Builder evictor(ConnectionEvictor evictor) {
            this.evictor = Objects.requireNonNull(evictor, "evictor");
            return this;
        }

        /**
         * @param config backoff, retry budget, refresh schedule and listeners
         * @return this builder
         */
        public Builder config(RotationConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Reads the source once and starts the watch and the refresh schedule.
         *
         * @return the running engine
         * @throws IllegalStateException naming a missing part
         * @throws CredentialSourceException when the source cannot be read, naming the field
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
