package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.EngineFixtures.AuthRejected;
import io.dualcred.rotation.EngineFixtures.FakeConnection;
import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.MutableSource;
import io.dualcred.rotation.EngineFixtures.RecordingEvictor;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many threads failing at the same moment, as when every connection of a pool is replaced at once. The rejected
 * logins are held until all threads are inside the engine, so the overlap is certain rather than likely.
 */
class RotationEngineConcurrencyTest {

    static final int THREADS = 16;
    static final Credential OLD = Credential.of("app", "old-password");
    static final Credential NEW = Credential.of("app", "new-password");

    final ExecutorService executor = Executors.newFixedThreadPool(THREADS);
    final FakeServer server = new FakeServer();
    final RecordingEvictor evictor = new RecordingEvictor();
    final MutableSource source = new MutableSource(CredentialSet.of(OLD, NEW));
    RotationEngine engine;

    @AfterEach
    void shutdown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        if (engine != null) {
            engine.close();
        }
    }

    /** Rejects the old credential, as the server does once its password changed. */
    ConnectionOpener<FakeConnection> rejectOld() {
        return credential -> {
            if (credential.equals(OLD)) {
                throw new AuthRejected(credential.username());
            }
            return server.open(credential);
        };
    }

    List<Future<Object>> runTogether(ConnectionOpener<FakeConnection> opener) throws InterruptedException {
        return runTogetherEach(thread -> opener);
    }

    /** Every thread logs in through the opener for its index. */
    List<Future<Object>> runTogetherEach(java.util.function.IntFunction<ConnectionOpener<FakeConnection>> openers)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            ConnectionOpener<FakeConnection> opener = openers.apply(i);
            results.add(executor.submit(() -> {
                start.await();
                try {
                    return engine.openWithFallback(opener);
                } catch (Exception e) {
                    return e;
                }
            }));
        }
        start.countDown();
        return results;
    }

    /** One accepted login opens the probe gate, so that later logins of this generation run concurrently. */
    void startWithAProvenCredential() throws Exception {
        server.accept(OLD);
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();
        engine.openWithFallback(server::open);
        server.revoke("app");
    }

    @Test
    void manyThreadsStartingTogetherOnARejectedCredentialCauseOneRejectedLoginOneSourceLoadAndOneSwitch()
            throws Exception {
        startWithAProvenCredential();
        server.accept(NEW);
        java.util.concurrent.atomic.AtomicInteger oldTried = new java.util.concurrent.atomic.AtomicInteger();
        ConnectionOpener<FakeConnection> opener = credential -> {
            if (credential.equals(OLD)) {
                oldTried.incrementAndGet();
            }
            return rejectOld().open(credential);
        };

        List<Future<Object>> results = runTogether(opener);

        for (Future<Object> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Login.class, login -> {
                assertThat(login.slot()).isEqualTo(Slot.NEXT);
                assertThat(login.generation()).isEqualTo(1);
            });
        }
        assertThat(oldTried).as("one probe of the rejected credential for the whole burst").hasValue(1);
        assertThat(source.loads()).as("start-up load plus one re-read").isEqualTo(2);
        assertThat(engine.status().counters().switches()).isEqualTo(1);
        assertThat(evictor.generations()).containsExactly(1L);
        assertThat(server.attemptsWith(NEW)).as("one login per thread with NEXT").isEqualTo(THREADS);
    }

    @Test
    void aPasswordChangedWhileLoginsWaitBehindAnAcceptedProbeCostsOneRejectedLogin() throws Exception {
        server.accept(OLD);
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();
        CountDownLatch probeInside = new CountDownLatch(1);
        CountDownLatch releaseProbe = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger oldRejected = new java.util.concurrent.atomic.AtomicInteger();
        ConnectionOpener<FakeConnection> opener = credential -> {
            if (first.compareAndSet(true, false)) {
                FakeConnection authenticated = server.open(credential);   // logged in before the change
                probeInside.countDown();
                releaseProbe.await();
                return authenticated;
            }
            try {
                return server.open(credential);
            } catch (AuthRejected rejected) {
                oldRejected.incrementAndGet();
                throw rejected;
            }
        };
        List<Thread> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
        Future<Object> probe = executor.submit(() -> engine.openWithFallback(opener));
        assertThat(probeInside.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Object>> behind = new ArrayList<>();
        for (int i = 1; i < THREADS; i++) {
            behind.add(executor.submit(() -> {
                waiting.add(Thread.currentThread());
                return engine.openWithFallback(opener);
            }));
        }
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> waiting.size() == THREADS - 1
                && waiting.stream().allMatch(thread -> thread.getState() == Thread.State.WAITING));

        server.revoke("app");
        server.accept(NEW);
        releaseProbe.countDown();

        assertThat(probe.get(10, TimeUnit.SECONDS)).isInstanceOf(Login.class);
        for (Future<Object> result : behind) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Login.class,
                    login -> assertThat(login.slot()).isEqualTo(Slot.NEXT));
        }
        assertThat(oldRejected).as("logins the server rejected: the waiting ones went one at a time").hasValue(1);
        assertThat(engine.status().counters().switches()).isEqualTo(1);
    }

    /**
     * A password changed on every server of a cluster, with logins to two of them under way at once: one switch for
     * the engine, and one rejected login in all (the bound is one per server; the probe's recovery does better).
     */
    @Test
    void aPasswordChangedOnEveryServerCostsAtMostOneRejectedLoginPerServerAndOneSwitch() throws Exception {
        startWithAProvenCredential();
        server.accept(NEW);
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> oldTried =
                new java.util.concurrent.ConcurrentHashMap<>();

        List<Future<Object>> results = runTogetherEach(thread -> {
            String target = thread % 2 == 0 ? "node-a:6379" : "node-b:6379";
            return new ConnectionOpener<>() {
                @Override
                public FakeConnection open(Credential credential) throws Exception {
                    if (credential.equals(OLD)) {
                        oldTried.computeIfAbsent(target, t -> new java.util.concurrent.atomic.AtomicInteger())
                                .incrementAndGet();
                    }
                    return rejectOld().open(credential);
                }

                @Override
                public String target() {
                    return target;
                }
            };
        });

        for (Future<Object> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Login.class,
                    login -> assertThat(login.slot()).isEqualTo(Slot.NEXT));
        }
        // The first rejection's recovery switches before the logins waiting for that probe go on, wherever they go.
        assertThat(oldTried.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum())
                .as("rejected logins, over both servers").isEqualTo(1);
        assertThat(engine.status().counters().switches()).isEqualTo(1);
        assertThat(engine.status().backingOff()).isFalse();
    }

    @Test
    void manyThreadsStartingTogetherWithNoGoodCredentialCauseOneRound() throws Exception {
        startWithAProvenCredential();

        List<Future<Object>> results = runTogether(rejectOld());

        for (Future<Object> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(AllCredentialsRejectedException.class);
        }
        assertThat(source.loads()).isEqualTo(2);
        assertThat(server.attemptsWith(NEW)).as("NEXT tried once for all threads").isEqualTo(1);
        assertThat(engine.status().counters().allRejectedRounds()).isEqualTo(1);
        assertThat(engine.status().backingOff()).isTrue();
    }

    @Test
    void aLoginStartingAfterTheActiveCredentialWasRejectedWaitsForTheRecoveryInsteadOfTryingIt() throws Exception {
        server.accept(NEW);
        CountDownLatch recoveryReading = new CountDownLatch(1);
        CountDownLatch releaseRecovery = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
        CredentialSource slowSource = () -> {
            if (loads.incrementAndGet() == 2) {
                recoveryReading.countDown();
                assertThat(releaseRecovery.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return CredentialSet.of(OLD, NEW);
        };
        engine = RotationEngine.builder("orders-db").source(slowSource).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();

        Future<Login<FakeConnection>> first = executor.submit(() -> engine.openWithFallback(server::open));
        assertThat(recoveryReading.await(10, TimeUnit.SECONDS)).as("first login is recovering").isTrue();
        java.util.concurrent.atomic.AtomicReference<Thread> secondThread = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Login<FakeConnection>> second = executor.submit(() -> {
            secondThread.set(Thread.currentThread());
            return engine.openWithFallback(server::open);
        });
        // The second login is parked behind the recovery; let the recovery finish.
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> parked(secondThread));
        releaseRecovery.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS).slot()).isEqualTo(Slot.NEXT);
        assertThat(second.get(10, TimeUnit.SECONDS).slot()).isEqualTo(Slot.NEXT);
        assertThat(server.attemptsWith(OLD)).as("CURRENT tried once, by the first login only").isEqualTo(1);
        assertThat(loads).hasValue(2);
    }

    @Test
    void anEvictionRequestedWhileTheActiveCredentialIsBeingRejectedDoesNotMakeTheEngineTryItAgain() throws Exception {
        server.accept(NEW);
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();
        CountDownLatch loggingIn = new CountDownLatch(1);
        CountDownLatch evicted = new CountDownLatch(1);
        ConnectionOpener<FakeConnection> opener = credential -> {
            if (credential.equals(OLD) && loggingIn.getCount() > 0) {
                // The operator's evictConnections() lands while the server is rejecting this login.
                loggingIn.countDown();
                assertThat(evicted.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return server.open(credential);
        };

        Future<Login<FakeConnection>> login = executor.submit(() -> engine.openWithFallback(opener));
        assertThat(loggingIn.await(10, TimeUnit.SECONDS)).isTrue();
        engine.evictConnections();
        evicted.countDown();

        assertThat(login.get(10, TimeUnit.SECONDS).slot()).isEqualTo(Slot.NEXT);
        assertThat(server.attemptsWith(OLD)).as("logins with the rejected credential").isEqualTo(1);
        assertThat(engine.status().counters().rejectedLogins()).isEqualTo(1);
    }

    /** Whether the thread is parked: inside the engine, that is waiting for another login's outcome. */
    private static boolean parked(java.util.concurrent.atomic.AtomicReference<Thread> thread) {
        Thread t = thread.get();
        return t != null && t.getState() == Thread.State.WAITING;
    }

    @Test
    void aBurstOfNewConnectionsTriesAnUnprovenCredentialOnce() throws Exception {
        server.accept(NEW);
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();

        List<Future<Object>> results = runTogether(server::open);

        for (Future<Object> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Login.class,
                    login -> assertThat(login.slot()).isEqualTo(Slot.NEXT));
        }
        assertThat(server.attemptsWith(OLD)).as("one rejected login for the whole burst").isEqualTo(1);
    }

    @Test
    void afterEvictionTheFirstLoginProbesBeforeTheRestFollow() throws Exception {
        startWithAProvenCredential();
        server.accept(NEW);
        engine.evictConnections();

        List<Future<Object>> results = runTogether(server::open);

        for (Future<Object> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(Login.class);
        }
        assertThat(server.attemptsWith(OLD)).as("the proving login plus one probe").isEqualTo(2);
    }

    @Test
    void aNetworkFailureOfTheProbeLetsTheWaitingLoginsProceedTogether() throws Exception {
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(evictor).start();
        CountDownLatch probeInside = new CountDownLatch(1);
        CountDownLatch releaseProbe = new CountDownLatch(1);
        CountDownLatch followersInside = new CountDownLatch(2);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ConnectionOpener<FakeConnection> unreachable = credential -> {
            if (calls.incrementAndGet() == 1) {
                probeInside.countDown();
                assertThat(releaseProbe.await(10, TimeUnit.SECONDS)).isTrue();
            } else {
                followersInside.countDown();
                assertThat(followersInside.await(10, TimeUnit.SECONDS)).as("followers run concurrently").isTrue();
            }
            throw new EngineFixtures.Unreachable();
        };

        Future<Login<FakeConnection>> probeLogin = executor.submit(() -> engine.openWithFallback(unreachable));
        assertThat(probeInside.await(10, TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.atomic.AtomicReference<Thread> first = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Thread> second = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Login<FakeConnection>> follower1 = executor.submit(() -> {
            first.set(Thread.currentThread());
            return engine.openWithFallback(unreachable);
        });
        Future<Login<FakeConnection>> follower2 = executor.submit(() -> {
            second.set(Thread.currentThread());
            return engine.openWithFallback(unreachable);
        });
        await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> calls.get() == 1 && parked(first) && parked(second));
        releaseProbe.countDown();

        for (Future<Login<FakeConnection>> login : List.of(probeLogin, follower1, follower2)) {
            assertThat(catchFailure(login)).isInstanceOf(EngineFixtures.Unreachable.class);
        }
        assertThat(calls).hasValue(3);
    }

    private static Throwable catchFailure(Future<?> future) throws Exception {
        try {
            future.get(20, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }
}
