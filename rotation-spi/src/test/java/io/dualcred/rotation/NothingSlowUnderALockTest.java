package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.EngineFixtures.FakeConnection;
import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.RecordingEvictor;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The review's reproductions of slow work under the engine's lock, as regression tests: a source that hangs, a
 * listener that calls back into the engine, an eviction during a retry budget, and close() with logins waiting.
 */
class NothingSlowUnderALockTest {

    static final Credential OLD = Credential.of("app", "old-secret");
    static final Credential NEW = Credential.of("app", "new-secret");

    final FakeServer server = new FakeServer();
    final RecordingEvictor evictor = new RecordingEvictor();
    final ExecutorService executor = Executors.newCachedThreadPool();
    final CountDownLatch releaseSource = new CountDownLatch(1);
    /** Ends a read that, like one stuck in a socket, ignores interrupts. */
    final CompletableFuture<Void> stuck = new CompletableFuture<>();
    RotationEngine engine;

    @AfterEach
    void shutdown() {
        releaseSource.countDown();
        stuck.complete(null);
        executor.shutdownNow();
        if (engine != null) {
            engine.close();
        }
    }

    /** Answers the start-up read, then hangs until the test ends. */
    CredentialSource hangsAfterStart(CredentialSet set) {
        AtomicBoolean first = new AtomicBoolean(true);
        return () -> {
            if (!first.getAndSet(false)) {
                releaseSource.await();
            }
            return set;
        };
    }

    @Test
    void aSourceThatHangsNeverBlocksLoginsStatusEvictionOrRefreshBeyondTheTimeout() throws Exception {
        server.accept(OLD);
        engine = RotationEngine.builder("hang").source(hangsAfterStart(CredentialSet.of(OLD, NEW)))
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(RotationConfig.custom().sourceTimeout(Duration.ofMillis(300)).build()).start();

        long started = System.nanoTime();
        RotationStatus afterRefresh = engine.refresh();
        long refreshMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(refreshMillis).as("refresh waits at most about the source timeout").isLessThan(3_000);
        assertThat(afterRefresh.sourceFailing()).isTrue();
        assertThat(afterRefresh.counters().sourceFailures()).isEqualTo(1);
        // While the read still hangs in the background, everything else goes on.
        assertThat(engine.openWithFallback(server::open).slot()).isEqualTo(Slot.CURRENT);
        engine.evictConnections();
        assertThat(engine.status().generation()).isEqualTo(1);
        assertThat(evictor.generations()).containsExactly(1L);
    }

    @Test
    void aRejectionWhileTheSourceHangsRecoversWithTheLastGoodCredentials() throws Exception {
        server.accept(NEW);
        engine = RotationEngine.builder("hang").source(hangsAfterStart(CredentialSet.of(OLD, NEW)))
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(RotationConfig.custom().sourceTimeout(Duration.ofMillis(200)).build()).start();

        Login<FakeConnection> login = engine.openWithFallback(server::open);

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(engine.status().sourceFailing()).isTrue();
    }

    @Test
    void aListenerThatCallsRefreshAndWaitsForItStallsNoLogin() throws Exception {
        server.accept(NEW);
        MutableSourceForListener source = new MutableSourceForListener(CredentialSet.of(OLD, NEW));
        AtomicReference<RotationEngine> self = new AtomicReference<>();
        CountDownLatch listenerDone = new CountDownLatch(1);
        RotationListener reentrant = event -> {
            if (event instanceof RotationEvent.CredentialSwitched) {
                Future<?> refresh = executor.submit(() -> self.get().refresh());
                try {
                    refresh.get(10, TimeUnit.SECONDS);
                    listenerDone.countDown();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        engine = RotationEngine.builder("reentrant").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).config(RotationConfig.custom().listener(reentrant).build()).start();
        self.set(engine);

        long started = System.nanoTime();
        Login<FakeConnection> login = engine.openWithFallback(server::open);
        long loginMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(login.slot()).isEqualTo(Slot.NEXT);
        assertThat(loginMillis).as("the login does not wait for the listener").isLessThan(1_000);
        assertThat(listenerDone.await(10, TimeUnit.SECONDS)).as("the listener's refresh completed").isTrue();
    }

    @Test
    void evictConnectionsAndStatusDoNotWaitForALoginWithinItsRetryBudget() throws Exception {
        CountDownLatch budgetWaiting = new CountDownLatch(1);
        CountDownLatch endBudget = new CountDownLatch(1);
        engine = RotationEngine.builder("budget").source(() -> CredentialSet.of(OLD, NEW))
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(RotationConfig.custom().loginRetryBudget(Duration.ofSeconds(3)).sleeper(wait -> {
                    budgetWaiting.countDown();
                    endBudget.await();
                }).build()).start();
        Future<?> login = executor.submit(() -> engine.openWithFallback(server::open));
        assertThat(budgetWaiting.await(10, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        engine.evictConnections();
        RotationStatus status = engine.status();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(millis).as("eviction and status while a login waits in its budget").isLessThan(500);
        assertThat(status.generation()).isEqualTo(1);
        endBudget.countDown();
        server.accept(NEW);
        await().atMost(Duration.ofSeconds(10)).until(login::isDone);
    }

    @Test
    void closeReleasesALoginWaitingForAnotherThreadsRecovery() throws Exception {
        CountDownLatch recovering = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        engine = RotationEngine.builder("close").source(() -> CredentialSet.of(OLD, NEW))
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(RotationConfig.custom().loginRetryBudget(Duration.ofSeconds(30)).sleeper(wait -> {
                    recovering.countDown();
                    never.await();
                }).build()).start();
        executor.submit(() -> engine.openWithFallback(server::open));
        assertThat(recovering.await(10, TimeUnit.SECONDS)).isTrue();
        Future<Login<FakeConnection>> waiting = executor.submit(() -> engine.openWithFallback(server::open));
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(50)).until(() -> !waiting.isDone());

        engine.close();

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the rotation engine is closed");
    }

    @Test
    void aLoginWithAMaxWaitWaitsForAnotherThreadsRecoveryNoLongerThanThat() throws Exception {
        engine = RotationEngine.builder("max-wait").source(hangsAfterStart(CredentialSet.of(OLD, NEW)))
                .classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(RotationConfig.custom().sourceTimeout(Duration.ofSeconds(60)).build()).start();
        server.accept(NEW);
        executor.submit(() -> engine.openWithFallback(server::open));   // OLD rejected; the re-read hangs
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.status().counters().sourceLoads() == 2);

        long started = System.nanoTime();
        assertThatThrownBy(() -> engine.openWithFallback(server::open, Duration.ofMillis(300)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("a login on another thread is still under way");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(millis).as("the wait for the other thread's recovery").isBetween(250L, 1_500L);
        assertThat(server.attempts()).as("logins tried; the waiting caller tried none").hasSize(1);
    }

    @Test
    void closeReleasesALoginWhoseSourceReadIgnoresInterruptsAfterALaterReadAnswered() throws Exception {
        server.accept(NEW);
        CountDownLatch hanging = new CountDownLatch(1);
        AtomicBoolean firstFresh = new AtomicBoolean(true);
        CredentialSource source = new CredentialSource() {
            @Override
            public CredentialSet load() {
                return CredentialSet.of(OLD, NEW);
            }

            @Override
            public CredentialSet loadFresh() {
                if (firstFresh.getAndSet(false)) {
                    hanging.countDown();
                    stuck.join();
                }
                return load();
            }
        };
        engine = RotationEngine.builder("close-hanging").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).config(RotationConfig.custom().sourceTimeout(Duration.ofSeconds(60)).build())
                .start();
        Future<Login<FakeConnection>> slow = executor.submit(() -> engine.openWithFallback(server::open));
        assertThat(hanging.await(10, TimeUnit.SECONDS)).isTrue();
        engine.refresh();   // a later read, answered at once, is now the latest

        engine.close();

        assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the rotation engine is closed");
    }

    /** A plain fixed source that counts nothing; listeners are what this test is about. */
    static final class MutableSourceForListener implements CredentialSource {
        private final CredentialSet set;

        MutableSourceForListener(CredentialSet set) {
            this.set = set;
        }

        @Override
        public CredentialSet load() {
            return set;
        }
    }
}
