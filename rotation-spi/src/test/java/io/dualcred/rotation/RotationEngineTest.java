package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import io.dualcred.rotation.EngineFixtures.AuthRejected;
import io.dualcred.rotation.EngineFixtures.FakeClock;
import io.dualcred.rotation.EngineFixtures.FakeConnection;
import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.MutableSource;
import io.dualcred.rotation.EngineFixtures.RecordingEvictor;
import io.dualcred.rotation.EngineFixtures.RecordingListener;
import io.dualcred.rotation.EngineFixtures.Unreachable;
import io.dualcred.rotation.RotationEvent.AllRejected;
import io.dualcred.rotation.RotationEvent.ConnectionsEvicted;
import io.dualcred.rotation.RotationEvent.CredentialRejected;
import io.dualcred.rotation.RotationEvent.CredentialSwitched;
import io.dualcred.rotation.RotationEvent.CredentialsPromoted;
import io.dualcred.rotation.RotationEvent.SourceFailed;
import io.dualcred.rotation.RotationEvent.SourceReloaded;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RotationEngineTest {

    static final Credential OLD = Credential.of("app", "old-password");
    static final Credential NEW = Credential.of("app", "new-password");
    static final Credential OTHER_ROLE = Credential.of("app_blue", "blue-password");

    final FakeClock clock = new FakeClock();
    final FakeServer server = new FakeServer();
    final RecordingEvictor evictor = new RecordingEvictor();
    final RecordingListener listener = new RecordingListener();
    final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    /** Runs after each simulated wait, with the number of waits so far. */
    java.util.function.IntConsumer afterSleep = waits -> { };
    MutableSource source;
    RotationEngine engine;

    @AfterEach
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    RotationEngine start(CredentialSet initial) {
        return start(initial, builder -> { });
    }

    RotationEngine start(CredentialSet initial, Consumer<RotationConfig.Builder> settings) {
        source = new MutableSource(initial);
        RotationConfig.Builder config = RotationConfig.custom()
                .clock(clock)
                .backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30))
                .listener(listener)
                .eventExecutor(Runnable::run)
                .sleeper(duration -> {
                    sleeps.add(duration);
                    clock.advance(duration);
                    afterSleep.accept(sleeps.size());
                });
        settings.accept(config);
        engine = RotationEngine.builder("orders-db")
                .source(source)
                .classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor)
                .config(config.build())
                .start();
        return engine;
    }

    Login<FakeConnection> login() throws Exception {
        return engine.openWithFallback(server::open);
    }

    @Test
    void logsInWithCurrentWhileTheServerAcceptsIt() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD, NEW));

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.CURRENT);
        assertThat(login.generation()).isZero();
        assertThat(server.attempts()).containsExactly(OLD);
        assertThat(source.loads()).as("only the start-up load").isEqualTo(1);
        assertThat(evictor.generations()).isEmpty();
    }

    @Test
    void fallsBackToNextWhenCurrentIsRejectedAndEvictsTheOldGeneration() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(login.generation()).isEqualTo(1);
        assertThat(server.attempts()).containsExactly(OLD, NEW);
        assertThat(evictor.generations()).containsExactly(1L);
        assertThat(engine.isStale(0)).isTrue();
        assertThat(engine.isStale(login.generation())).isFalse();
        RotationStatus status = engine.status();
        assertThat(status.activeSlot()).isEqualTo(Slot.NEXT);
        assertThat(status.counters().switches()).isEqualTo(1);
        assertThat(status.counters().rejectedLogins()).isEqualTo(1);
        assertThat(status.lastSwitchTime()).contains(clock.instant());
        assertThat(status.lastSwitchReason()).contains("CURRENT app rejected; NEXT app accepted");
        assertThat(listener.events()).extracting(e -> e.getClass().getSimpleName()).containsExactly(
                "CredentialRejected", "SourceReloaded", "CredentialSwitched", "ConnectionsEvicted");
        CredentialSwitched switched = listener.of(CredentialSwitched.class).get(0);
        assertThat(switched.fromSlot()).isEqualTo(Slot.CURRENT);
        assertThat(switched.toSlot()).isEqualTo(Slot.NEXT);
        assertThat(switched.generation()).isEqualTo(1);
    }

    @Test
    void nextConnectionsUseTheSwitchedCredentialWithoutReadingTheSourceAgain() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        login();
        int loadsAfterSwitch = source.loads();

        Login<FakeConnection> second = login();

        assertThat(second.slot()).isEqualTo(Slot.NEXT);
        assertThat(server.attempts()).containsExactly(OLD, NEW, NEW);
        assertThat(source.loads()).isEqualTo(loadsAfterSwitch);
    }

    @Test
    void reReadsTheSourceWhenTheActiveCredentialIsRejected() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD));
        server.accept(NEW);
        source.set(CredentialSet.of(OLD, NEW));

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(source.loads()).isEqualTo(2);
    }

    @Test
    void switchesToAnotherUsernameInNext() throws Exception {
        server.accept(OTHER_ROLE);
        start(CredentialSet.of(OLD, OTHER_ROLE));

        Login<FakeConnection> login = login();

        assertThat(login.username()).isEqualTo("app_blue");
        assertThat(engine.status().activeUsername()).isEqualTo("app_blue");
        assertThat(engine.status().lastSwitchReason()).contains("CURRENT app rejected; NEXT app_blue accepted");
    }

    @Test
    void switchesBackToCurrentWhenTheServerWasRolledBack() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        login();
        server.accept(OLD);

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.CURRENT);
        assertThat(login.generation()).isEqualTo(2);
        assertThat(evictor.generations()).containsExactly(1L, 2L);
    }

    @Test
    void failuresThatAreNotAuthenticationFailuresPropagateUnchangedAndSwitchNothing() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        server.setReachable(false);

        Throwable thrown = catchThrowable(this::login);

        assertThat(thrown).isInstanceOf(Unreachable.class);
        assertThat(source.loads()).as("no re-read for a network failure").isEqualTo(1);
        assertThat(engine.status().activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(engine.generation()).isZero();
        assertThat(listener.events()).isEmpty();
    }

    @Test
    void networkFailureWhileTryingNextKeepsTheActiveCredential() throws Exception {
        start(CredentialSet.of(OLD, NEW));
        ConnectionOpener<FakeConnection> opener = credential -> {
            if (credential.equals(NEW)) {
                throw new Unreachable();
            }
            throw new AuthRejected(credential.username());
        };

        assertThatThrownBy(() -> engine.openWithFallback(opener)).isInstanceOf(Unreachable.class);

        assertThat(engine.status().activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(engine.status().backingOff()).isFalse();
        assertThat(evictor.generations()).isEmpty();
    }

    @Test
    void aServerThatGoesAwayDuringASwitchDoesNotMakeEveryLaterLoginReReadTheSource() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        ConnectionOpener<FakeConnection> opener = credential -> {
            if (credential.equals(NEW)) {
                server.setReachable(false);   // the server goes away between the rejection of OLD and NEW's login
            }
            return server.open(credential);
        };
        assertThatThrownBy(() -> engine.openWithFallback(opener)).isInstanceOf(Unreachable.class);
        int loadsAfterTheSwitchBegan = source.loads();

        for (int attempt = 0; attempt < 5; attempt++) {
            assertThatThrownBy(this::login).isInstanceOf(Unreachable.class);
        }
        assertThat(source.loads()).as("source reads while the server is away").isEqualTo(loadsAfterTheSwitchBegan);

        server.setReachable(true);
        assertThat(login().slot()).isEqualTo(Slot.NEXT);
        assertThat(engine.status().counters().switches()).isEqualTo(1);
    }

    @Test
    void everyCredentialRejectedGivesASpecificExceptionNamingSlotsAndUsernames() throws Exception {
        start(CredentialSet.of(OLD, OTHER_ROLE));

        Throwable thrown = catchThrowable(this::login);

        assertThat(thrown).isInstanceOf(AllCredentialsRejectedException.class)
                .hasMessageContaining("orders-db")
                .hasMessageContaining("CURRENT app, NEXT app_blue")
                .hasMessageContaining("the server's last reply: password authentication failed for user \"app_blue\"")
                .hasCauseInstanceOf(AuthRejected.class);
        AllCredentialsRejectedException rejected = (AllCredentialsRejectedException) thrown;
        assertThat(rejected.serverReply()).hasValue("password authentication failed for user \"app_blue\"");
        assertThat(rejected.attempts()).containsExactly(new Attempt(Slot.CURRENT, "app"),
                new Attempt(Slot.NEXT, "app_blue"));
        assertThat(rejected.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(engine.status().backingOff()).isTrue();
        assertThat(engine.status().rejectedCredentials()).containsExactly(new Attempt(Slot.CURRENT, "app"),
                new Attempt(Slot.NEXT, "app_blue"));
        clock.advance(Duration.ofSeconds(2));
        assertThat(engine.status().backingOff()).as("the backoff is over").isFalse();
        assertThat(engine.status().rejectedCredentials()).as("still locked out: nothing was accepted since")
                .hasSize(2);
        assertThat(listener.of(AllRejected.class)).singleElement()
                .satisfies(e -> assertThat(e.consecutiveRounds()).isEqualTo(1));
    }

    @Test
    void duringBackoffLoginsFailFastWithoutContactingTheServer() throws Exception {
        start(CredentialSet.of(OLD, NEW));
        catchThrowable(this::login);
        int attempts = server.attempts().size();
        int loads = source.loads();

        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofMillis(5));
            assertThatThrownBy(this::login).isInstanceOf(AllCredentialsRejectedException.class)
                    .hasMessageContaining("CURRENT app, NEXT app")
                    .hasMessageContaining("the server's last reply: password authentication failed")
                    .hasCauseInstanceOf(AuthRejected.class);
        }

        assertThat(server.attempts()).hasSize(attempts);
        assertThat(source.loads()).isEqualTo(loads);
    }

    @Test
    void backoffGrowsExponentiallyUpToItsCap() throws Exception {
        start(CredentialSet.of(OLD, NEW));
        List<Long> intervals = new ArrayList<>();

        for (int round = 0; round < 8; round++) {
            AllCredentialsRejectedException e = (AllCredentialsRejectedException) catchThrowable(this::login);
            intervals.add(e.retryAfter().toSeconds());
            clock.advance(e.retryAfter());
        }

        assertThat(intervals).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    }

    @Test
    void rejectedLoginsStayBoundedPerBackoffStep() throws Exception {
        start(CredentialSet.of(OLD, NEW), config -> config.backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(4)));

        // Ten simulated minutes of a pool asking for a connection every 10 ms.
        for (int tick = 0; tick < 60_000; tick++) {
            assertThat(catchThrowable(this::login)).isInstanceOf(AllCredentialsRejectedException.class);
            clock.advance(Duration.ofMillis(10));
        }

        // Rounds at 0, 1, 3, 7 s and then every 4 s: 152 rounds in 600 s, one login per credential each.
        long rounds = engine.status().counters().allRejectedRounds();
        assertThat(rounds).isEqualTo(152);
        assertThat(server.attempts()).hasSize(2 * 152);
        assertThat(source.loads()).isEqualTo(1 + 152);
    }

    /**
     * A login that saw the backoff end, but reaches the recovery only after another thread ran it and started the
     * next backoff step, runs no round of its own: one round per backoff step, however the threads interleave. The
     * late login is held at its reading of the clock, the point between deciding and acting.
     */
    @Test
    void aLoginThatSawTheBackoffEndRunsNoSecondRoundAfterAnotherThreadRanIt() throws Exception {
        java.util.concurrent.CountDownLatch heldAtTheClock = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Thread> held = new java.util.concurrent.atomic.AtomicReference<>();
        java.time.Clock holding = new java.time.Clock() {
            @Override
            public java.time.Instant instant() {
                if (held.compareAndSet(Thread.currentThread(), null)) {
                    heldAtTheClock.countDown();
                    try {
                        assertThat(release.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return clock.instant();
            }

            @Override
            public java.time.ZoneId getZone() {
                return clock.getZone();
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        start(CredentialSet.of(OLD, NEW), config -> config.clock(holding));
        catchThrowable(this::login);
        clock.advance(Duration.ofSeconds(1));
        int attemptsAfterTheFirstRound = server.attempts().size();

        java.util.concurrent.FutureTask<Throwable> late = new java.util.concurrent.FutureTask<>(
                () -> catchThrowable(this::login));
        Thread lateThread = new Thread(late, "late-login");
        held.set(lateThread);
        lateThread.start();
        assertThat(heldAtTheClock.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(catchThrowable(this::login)).as("the second round, run by this thread")
                .isInstanceOf(AllCredentialsRejectedException.class);
        release.countDown();

        assertThat(late.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOfSatisfying(AllCredentialsRejectedException.class,
                        e -> assertThat(e.retryAfter()).as("failed fast within the second round's backoff")
                                .isEqualTo(Duration.ofSeconds(2)));
        assertThat(engine.status().counters().allRejectedRounds()).isEqualTo(2);
        assertThat(server.attempts()).as("one login per credential in the second round")
                .hasSize(attemptsAfterTheFirstRound + 2);
    }

    /** An opener for one of several servers sharing the engine, as a cluster's node pools do. */
    static ConnectionOpener<FakeConnection> on(String target, FakeServer node) {
        return new ConnectionOpener<>() {
            @Override
            public FakeConnection open(Credential credential) throws Exception {
                return node.open(credential);
            }

            @Override
            public String target() {
                return target;
            }
        };
    }

    /**
     * One server of several (a cluster node someone forgot in the rotation) rejects every credential: the logins to
     * it back off on their own schedule, while the logins to the others go on with the active credential; a changed
     * source ends its backoff, and a login it accepts again clears it.
     */
    @Test
    void aServerRejectingEveryCredentialBacksOffAloneWhileTheOthersKeepLoggingIn() throws Exception {
        FakeServer forgotten = new FakeServer();
        start(CredentialSet.of(OLD, NEW));
        server.accept(OLD);
        assertThat(engine.openWithFallback(on("node-a:6379", server)).slot()).isEqualTo(Slot.CURRENT);

        Throwable first = catchThrowable(() -> engine.openWithFallback(on("node-b:6379", forgotten)));

        assertThat(first).isInstanceOf(AllCredentialsRejectedException.class)
                .hasMessageContaining("(node-b:6379)").hasMessageContaining("CURRENT app, NEXT app");
        assertThat(forgotten.attempts()).as("one round on the forgotten server").hasSize(2);
        for (int i = 0; i < 5; i++) {
            assertThat(engine.openWithFallback(on("node-a:6379", server)).slot()).as("the other server's logins")
                    .isEqualTo(Slot.CURRENT);
            assertThatThrownBy(() -> engine.openWithFallback(on("node-b:6379", forgotten)))
                    .isInstanceOf(AllCredentialsRejectedException.class).hasMessageContaining("(node-b:6379)");
        }
        assertThat(forgotten.attempts()).as("the forgotten server's logins fail fast during its backoff").hasSize(2);
        RotationStatus status = engine.status();
        assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(status.counters().switches()).isZero();
        assertThat(status.backingOff()).isTrue();
        assertThat(status.rejectedCredentials()).containsExactly(new Attempt(Slot.CURRENT, "app"),
                new Attempt(Slot.NEXT, "app"));

        clock.advance(Duration.ofSeconds(1));
        AllCredentialsRejectedException second = (AllCredentialsRejectedException) catchThrowable(
                () -> engine.openWithFallback(on("node-b:6379", forgotten)));
        assertThat(second.retryAfter()).as("the forgotten server's second step").isEqualTo(Duration.ofSeconds(2));
        assertThat(forgotten.attempts()).hasSize(4);

        source.set(CredentialSet.of(OLD, Credential.of("app", "newer-password")));
        engine.refresh();
        forgotten.accept(OLD);
        assertThat(engine.openWithFallback(on("node-b:6379", forgotten)).slot())
                .as("a changed source ends the backoff at once").isEqualTo(Slot.CURRENT);
        assertThat(engine.status().backingOff()).isFalse();
        assertThat(engine.status().rejectedCredentials()).isEmpty();
        assertThat(engine.status().counters().allRejectedRounds()).isEqualTo(2);
    }

    @Test
    void aFixedSourceIsPickedUpAfterTheBackoffWithoutRestart() throws Exception {
        start(CredentialSet.of(OLD));
        catchThrowable(this::login);
        server.accept(NEW);
        source.set(CredentialSet.of(OLD, NEW));

        assertThatThrownBy(this::login).as("still backing off").isInstanceOf(AllCredentialsRejectedException.class);
        clock.advance(Duration.ofSeconds(1));
        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(engine.status().backingOff()).isFalse();
        assertThat(engine.status().rejectedCredentials()).as("a login was accepted").isEmpty();
        assertThat(engine.status().counters().switches()).isEqualTo(1);
    }

    @Test
    void theSameCredentialAcceptedAgainAfterBackoffNeedsNoSwitch() throws Exception {
        start(CredentialSet.of(OLD));
        catchThrowable(this::login);
        server.accept(OLD);
        clock.advance(Duration.ofSeconds(1));

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.CURRENT);
        assertThat(login.generation()).isZero();
        assertThat(evictor.generations()).isEmpty();
        assertThat(engine.status().backingOff()).isFalse();
        assertThat(engine.status().counters().switches()).isZero();
    }

    @Test
    void aChangedSourceEndsTheBackoffAtOnce() throws Exception {
        start(CredentialSet.of(OLD));
        catchThrowable(this::login);
        server.accept(NEW);
        source.set(CredentialSet.of(OLD, NEW));

        engine.refresh();
        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
    }

    @Test
    void anUnchangedRefreshDoesNotEndTheBackoff() throws Exception {
        start(CredentialSet.of(OLD));
        catchThrowable(this::login);

        engine.refresh();

        assertThatThrownBy(this::login).isInstanceOf(AllCredentialsRejectedException.class);
        assertThat(server.attempts()).hasSize(1);
    }

    @Test
    void loginRetryBudgetBridgesTheWindowBeforeTheSourceLearnsNext() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD), config -> config.loginRetryBudget(Duration.ofSeconds(10)));
        server.revoke("app");
        server.accept(NEW);
        // The secret store learns NEXT during the second wait.
        afterSleep = waits -> {
            if (waits == 2) {
                source.set(CredentialSet.of(OLD, NEW));
            }
        };

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(server.attemptsWith(OLD)).as("one rejected login per step").isEqualTo(3);
        assertThat(engine.status().backingOff()).isFalse();
    }

    @Test
    void aWindowLongerThanTheBudgetFailsWhenTheBudgetIsSpent() throws Exception {
        start(CredentialSet.of(OLD), config -> config.loginRetryBudget(Duration.ofSeconds(10)));
        java.time.Instant begin = clock.instant();

        assertThatThrownBy(this::login).isInstanceOf(AllCredentialsRejectedException.class);

        // Waits of 1, 2 and 4 s fit in 10 s; the next (8 s) would not.
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(Duration.between(begin, clock.instant())).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(server.attempts()).hasSize(4);
        assertThat(source.loads()).isEqualTo(1 + 4);
        assertThat(((AllCredentialsRejectedException) catchThrowable(this::login)).attempts())
                .as("each credential named once").containsExactly(new Attempt(Slot.CURRENT, "app"));
    }

    @Test
    void promotionSwitchesNothingAndEvictsNothing() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        login();
        long generation = engine.generation();

        source.set(CredentialSet.of(NEW));
        RotationStatus status = engine.refresh();

        assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(status.activeUsername()).isEqualTo("app");
        assertThat(status.nextStaged()).isFalse();
        assertThat(status.generation()).isEqualTo(generation);
        assertThat(status.counters().promotions()).isEqualTo(1);
        assertThat(status.counters().switches()).isEqualTo(1);
        assertThat(evictor.generations()).containsExactly(1L);
        assertThat(listener.of(CredentialsPromoted.class)).singleElement()
                .satisfies(e -> assertThat(e.revision()).isEqualTo(CredentialSet.of(NEW).revision()));
        assertThat(login().generation()).isEqualTo(generation);
    }

    @Test
    void aNewNextIsSeenOnRefreshWithoutAnySwitch() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD));

        source.set(CredentialSet.of(OLD, NEW));
        RotationStatus status = engine.refresh();

        assertThat(status.nextStaged()).isTrue();
        assertThat(status.sourceRevision()).isEqualTo(CredentialSet.of(OLD, NEW).revision());
        assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(listener.of(SourceReloaded.class)).singleElement()
                .satisfies(e -> assertThat(e.changed()).isTrue());
        assertThat(server.attempts()).isEmpty();
    }

    @Test
    void aFailingSourceKeepsTheLastGoodSetAndReportsTheProblem() throws Exception {
        server.accept(NEW);
        start(CredentialSet.of(OLD, NEW));
        String revision = engine.status().sourceRevision();
        source.failWith(new CredentialSourceException("mutable: PASSWORD_CURRENT is missing"));

        RotationStatus status = engine.refresh();

        assertThat(status.sourceRevision()).isEqualTo(revision);
        assertThat(status.sourceFailing()).isTrue();
        assertThat(status.counters().sourceFailures()).isEqualTo(1);
        assertThat(listener.of(SourceFailed.class)).singleElement().satisfies(e -> {
            assertThat(e.problem()).isEqualTo("mutable: PASSWORD_CURRENT is missing");
            assertThat(e.keptRevision()).isEqualTo(revision);
        });
        // The fallback still works from the last good set.
        assertThat(login().slot()).isEqualTo(Slot.NEXT);
    }

    @Test
    void aSourceReturningNothingCountsAsAFailure() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD));
        source.set(null);

        RotationStatus status = engine.refresh();

        assertThat(status.sourceFailing()).isTrue();
        assertThat(status.sourceRevision()).isEqualTo(CredentialSet.of(OLD).revision());
    }

    @Test
    void aSourceThatRecoversClearsTheFailingFlag() throws Exception {
        start(CredentialSet.of(OLD));
        source.failWith(new IOException("vault unreachable"));
        engine.refresh();

        source.failWith(null);
        RotationStatus status = engine.refresh();

        assertThat(status.sourceFailing()).isFalse();
        assertThat(listener.of(SourceFailed.class)).singleElement()
                .satisfies(e -> assertThat(e.problem()).isEqualTo("java.io.IOException: vault unreachable"));
    }

    @Test
    void startFailsNamingTheProblemWhenTheSourceCannotBeRead() {
        CredentialSource broken = () -> {
            throw new CredentialSourceException("env:DB: environment variable DB_PASSWORD_CURRENT is not set");
        };

        assertThatThrownBy(() -> RotationEngine.builder("orders-db").source(broken)
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor).start())
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("orders-db - cannot start: credential source " + broken.description()
                        + " failed: env:DB: environment variable DB_PASSWORD_CURRENT is not set");
    }

    @Test
    void startNamesEachMissingPart() {
        assertThatThrownBy(() -> RotationEngine.builder("p").classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start()).hasMessageContaining("(source)");
        assertThatThrownBy(() -> RotationEngine.builder("p").source(CredentialSources.fixed(OLD))
                .evictor(evictor).start()).hasMessageContaining("(classifier)");
        assertThatThrownBy(() -> RotationEngine.builder("p").source(CredentialSources.fixed(OLD))
                .classifier(EngineFixtures.CLASSIFIER).start()).hasMessageContaining("(evictor)");
        assertThatThrownBy(() -> RotationEngine.builder(" ")).hasMessageContaining("poolName");
    }

    @Test
    void aLoginInFlightDuringASwitchIsTaggedStale() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD, NEW));
        // The slow login reads the state, then another login switches while it is still talking to the server.
        Login<FakeConnection> slow = engine.openWithFallback(credential -> {
            FakeConnection connection = server.open(credential);
            server.revoke("app");
            server.accept(NEW);
            assertThat(login().generation()).isEqualTo(1);
            return connection;
        });

        assertThat(slow.generation()).isZero();
        assertThat(engine.isStale(slow.generation())).isTrue();
    }

    @Test
    void evictConnectionsRaisesTheGenerationWithoutChangingTheCredential() throws Exception {
        server.accept(OLD);
        start(CredentialSet.of(OLD));
        Login<FakeConnection> before = login();

        engine.evictConnections();

        assertThat(engine.isStale(before.generation())).isTrue();
        assertThat(evictor.generations()).containsExactly(1L);
        assertThat(login().slot()).isEqualTo(Slot.CURRENT);
        assertThat(listener.of(ConnectionsEvicted.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("eviction requested"));
    }

    @Test
    void aSourceAnnouncingAChangeIsReadAtOnce() throws Exception {
        start(CredentialSet.of(OLD));
        source.set(CredentialSet.of(OLD, NEW));

        source.announceChange();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> engine.status().nextStaged());
        assertThat(source.loads()).isEqualTo(2);
    }

    @Test
    void closeStopsTheWatchAndRefusesFurtherLogins() {
        start(CredentialSet.of(OLD));

        engine.close();
        engine.close();

        assertThat(source.closedWatches()).isEqualTo(1);
        assertThatThrownBy(this::login).isInstanceOf(IllegalStateException.class)
                .hasMessage("orders-db - the rotation engine is closed");
    }

    @Test
    void aThrowingListenerDoesNotBreakTheSwitch() throws Exception {
        server.accept(NEW);
        source = new MutableSource(CredentialSet.of(OLD, NEW));
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor)
                .config(RotationConfig.custom().listener(event -> {
                    throw new IllegalStateException("listener bug");
                }).listener(listener).build())
                .start();

        assertThat(login().slot()).isEqualTo(Slot.NEXT);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> listener.of(CredentialSwitched.class).size() == 1);
    }

    @Test
    void eachRejectedLoginIsReportedPerSlot() throws Exception {
        start(CredentialSet.of(OLD, OTHER_ROLE));

        catchThrowable(this::login);

        assertThat(listener.of(CredentialRejected.class))
                .extracting(CredentialRejected::slot, CredentialRejected::username, CredentialRejected::code)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Slot.CURRENT, "app", "AUTH"),
                        org.assertj.core.groups.Tuple.tuple(Slot.NEXT, "app_blue", "AUTH"));
    }

    @Test
    void aRejectionReadsThroughACachedSourceSoANewNextIsSeenWithinTheTtl() throws Exception {
        server.accept(OLD);
        MutableSource store = new MutableSource(CredentialSet.of(OLD));
        CredentialSource cached = new io.dualcred.rotation.internal.CachedCredentialSource(store,
                Duration.ofMinutes(10), clock);
        engine = RotationEngine.builder("orders-db").source(cached).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).config(RotationConfig.custom().clock(clock).build()).start();
        store.set(CredentialSet.of(OLD, NEW));
        server.revoke("app");
        server.accept(NEW);

        Login<FakeConnection> login = login();

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(store.loads()).isEqualTo(2);
    }

    @Test
    void aChangeReportedWhileStartingIsAppliedAtOnce() {
        MutableSource store = new MutableSource(CredentialSet.of(OLD));
        CredentialSource announcesDuringStart = new CredentialSource() {
            @Override
            public CredentialSet load() throws Exception {
                return store.load();
            }

            @Override
            public Watch watch(Runnable changed) {
                store.set(CredentialSet.of(OLD, NEW));
                changed.run();
                return Watch.NONE;
            }
        };

        engine = RotationEngine.builder("orders-db").source(announcesDuringStart)
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor).start();

        assertThat(engine.status().nextStaged()).isTrue();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> store.loads() == 2);
    }

    @Test
    void aFailedStartStopsTheWatchItBegan() {
        MutableSource broken = new MutableSource(CredentialSet.of(OLD));
        broken.failWith(new CredentialSourceException("mutable: USER is missing"));

        assertThatThrownBy(() -> RotationEngine.builder("orders-db").source(broken)
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor).start())
                .hasMessageEndingWith("mutable: USER is missing");
        assertThat(broken.closedWatches()).isEqualTo(1);
    }
}
