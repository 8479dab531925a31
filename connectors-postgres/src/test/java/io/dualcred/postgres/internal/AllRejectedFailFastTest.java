package io.dualcred.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.Slot;
import io.dualcred.rotation.spi.RotationEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who is woken, and for which rejection: pure logic on the calling thread, with a pool stub that reports no
 * connection and an engine that never logs in. Waking interrupts the borrower's thread, here the test's own, so each
 * test checks that {@link AllRejectedFailFast#leave} reports the wake and clears the interrupt, or that neither
 * happened.
 */
class AllRejectedFailFastTest {

    private final RotationEngine engine = RotationEngine.builder("fail-fast-unit")
            .source(CredentialSources.fixed(Credential.of("app", "unit-test-secret")))
            .classifier(failure -> failure instanceof RejectedLogin)
            .evictor(generation -> { })
            .start();
    private final AllRejectedFailFast failFast = new AllRejectedFailFast("fail-fast-unit", engine);

    AllRejectedFailFastTest() {
        failFast.bind(new EmptyPool());
    }

    @AfterEach
    void close() {
        failFast.close();
        engine.close();
        Thread.interrupted();
    }

    @Test
    void aCallerWaitingBeforeEveryCredentialWasRejectedIsWokenWithThatRejection() {
        AllRejectedFailFast.Borrower borrower = enter();
        AllCredentialsRejectedException rejected = rejection();

        failFast.loginsRejected(rejected);

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(failFast.leave(borrower)).isSameAs(rejected);
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt this class caused is cleared").isFalse();
    }

    @Test
    void aCallerEnteringAnEmptyPoolDuringARejectionBoundsItsWaitAndIsWokenOnlyByTheRejectingThread() {
        AllCredentialsRejectedException rejected = rejection();
        failFast.loginsRejected(rejected);
        AllRejectedFailFast.Borrower borrower = enter();
        assertThat(borrower.rejectedWhenEntering()).isSameAs(rejected);

        failFast.wake(failFast.marker(), false);
        assertThat(Thread.currentThread().isInterrupted()).as("the sweep leaves a bounded wait alone").isFalse();

        failFast.wake(failFast.marker(), true);
        assertThat(failFast.leave(borrower)).isSameAs(rejected);
    }

    @Test
    void aRejectionReadJustBeforeALoginSucceededDoesNotWakeACallerThatEnteredAfterwards() {
        failFast.loginsRejected(rejection());
        AllRejectedFailFast.Marker readBySweep = failFast.marker();
        failFast.loginAccepted();
        AllRejectedFailFast.Borrower borrower = enter();
        assertThat(borrower.rejectedWhenEntering()).isNull();

        failFast.wake(readBySweep, false);
        failFast.wake(readBySweep, true);

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(failFast.leave(borrower)).isNull();
    }

    @Test
    void aRejectionThatIsOverWakesNobodyEvenACallerThatEnteredDuringIt() {
        AllCredentialsRejectedException rejected = rejection();
        failFast.loginsRejected(rejected);
        AllRejectedFailFast.Marker readBySweep = failFast.marker();
        AllRejectedFailFast.Borrower borrower = enter();
        assertThat(borrower.rejectedWhenEntering()).isSameAs(rejected);
        failFast.loginAccepted();

        failFast.wake(readBySweep, true);

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(failFast.leave(borrower)).isNull();
    }

    @Test
    void aNewRejectionAfterTheCallerEnteredWakesItEvenIfAnEarlierOneWasOver() {
        failFast.loginsRejected(rejection());
        failFast.loginAccepted();
        AllRejectedFailFast.Borrower borrower = enter();
        AllCredentialsRejectedException again = rejection();

        failFast.loginsRejected(again);

        assertThat(failFast.leave(borrower)).isSameAs(again);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void whileTheEngineBacksOffACallerOfAnEmptyPoolFailsAtOnceWith28P01AndIsNotLeftWaiting() {
        AllCredentialsRejectedException rejected = engineRejectsEveryCredential();
        failFast.loginsRejected(rejected);
        assertThat(engine.status().backingOff()).isTrue();

        assertThatThrownBy(failFast::enter).isInstanceOf(SQLException.class).hasMessageContaining("CURRENT app")
                .hasCause(rejected.getCause())
                .satisfies(failure -> assertThat(((SQLException) failure).getSQLState()).isEqualTo("28P01"));
        // The registration was undone: a wake now finds nobody waiting.
        failFast.wake(failFast.marker(), true);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void whileAConnectionExistsOrIsOnItsWayNobodyIsWokenAndOnceTheLastIsClosedTheWaitersAre() {
        AllRejectedFailFast.Borrower borrower = enter();
        failFast.connectionHandedOut();
        AllCredentialsRejectedException rejected = rejection();

        failFast.loginsRejected(rejected);
        failFast.wake(failFast.marker(), true);
        assertThat(Thread.currentThread().isInterrupted()).as("a connection lent or on its way will serve the caller")
                .isFalse();

        failFast.connectionClosed();
        failFast.wake(failFast.marker(), false);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(failFast.leave(borrower)).isSameAs(rejected);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aCallerWokenBeforeItsConnectionWasCountedKeepsTheConnectionAndLosesTheInterrupt() {
        AllRejectedFailFast.Borrower borrower = enter();
        failFast.loginsRejected(rejection());
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        // A login succeeds right after the wake and HikariCP lends its connection to this caller after all.
        failFast.loginAccepted();
        failFast.connectionHandedOut();

        failFast.leaveWithConnection(borrower);

        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt this class caused is cleared").isFalse();
        // The next visit starts idle: an empty pool's wake finds it waiting again.
        failFast.connectionClosed();
        AllRejectedFailFast.Borrower again = enter();
        AllCredentialsRejectedException later = rejection();
        failFast.loginsRejected(later);
        assertThat(failFast.leave(again)).isSameAs(later);
    }

    @Test
    void anApplicationInterruptSurvivesABorrowThatGotAConnection() {
        AllRejectedFailFast.Borrower borrower = enter();
        Thread.currentThread().interrupt();
        failFast.connectionHandedOut();

        failFast.leaveWithConnection(borrower);

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    /**
     * Borrowers that get a connection leave with a plain store; this races them, and borrowers that get none, with
     * wakers on another thread. A connection is counted before the borrower leaves with it and uncounted after, as
     * HikariCP lends and closes them. Without the count's lock, or with a waker that ignored the count, a waker can
     * interrupt a borrower that has already left with its connection, and this test sees the stray interrupt.
     */
    @Test
    void wakesRacingWithBorrowersThatGetConnectionsLeaveNoInterruptBehind() throws Exception {
        Race race = raceWithWakers(counts -> {
            AllRejectedFailFast.Borrower borrower = failFast.enter();
            failFast.connectionHandedOut();
            failFast.leaveWithConnection(borrower);
            counts.leavesWithConnection.incrementAndGet();
            counts.checkNoInterrupt();
            failFast.connectionClosed();

            borrower = failFast.enter();
            if (failFast.leave(borrower) != null) {
                counts.wokenLeaves.incrementAndGet();
            }
            counts.checkNoInterrupt();
        }, counts -> counts.wokenLeaves.get() > 0 && counts.leavesWithConnection.get() > 0);

        assertThat(race.wokenLeaves.get()).as("borrowers were woken").isPositive();
        assertThat(race.leavesWithConnection.get()).isPositive();
        assertThat(race.strayInterrupts.get()).isZero();
    }

    @Test
    void wakesRacingWithBorrowersOnManyThreadsLeaveNoInterruptBehind() throws Exception {
        Race race = raceWithWakers(counts -> {
            AllRejectedFailFast.Borrower borrower = failFast.enter();
            if (failFast.leave(borrower) != null) {
                counts.wokenLeaves.incrementAndGet();
            }
            // Whatever leave() said, the interrupt this class caused must not outlive it.
            counts.checkNoInterrupt();
        }, counts -> counts.wokenLeaves.get() > 0);

        assertThat(race.wokenLeaves.get()).as("borrowers were woken").isPositive();
        assertThat(race.strayInterrupts.get()).isZero();
    }

    /** What the borrower threads of a race saw. */
    private static final class Race {
        final AtomicInteger strayInterrupts = new AtomicInteger();
        final AtomicInteger wokenLeaves = new AtomicInteger();
        final AtomicInteger leavesWithConnection = new AtomicInteger();

        void checkNoInterrupt() {
            if (Thread.interrupted()) {
                strayInterrupts.incrementAndGet();
            }
        }
    }

    /** One or more visits of a borrower thread to the pool. */
    private interface Visits {
        void run(Race counts) throws Exception;
    }

    /**
     * Runs {@code visits} in a loop on four threads while this thread records rejections, sweeps and accepts logins
     * as fast as it can, for half a second and until {@code done} holds.
     */
    private Race raceWithWakers(Visits visits, Predicate<Race> done) throws Exception {
        int threads = 4;
        Race race = new Race();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(threads);
        ExecutorService borrowers = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                borrowers.execute(() -> {
                    started.countDown();
                    try {
                        while (!stop.get()) {
                            visits.run(race);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            started.await();
            // At least half a second of racing, and on until both kinds of visit happened (a loaded machine may
            // starve the borrowers for a while); 30 s at most.
            long start = System.nanoTime();
            long least = start + Duration.ofMillis(500).toNanos();
            long most = start + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < least || (!done.test(race) && System.nanoTime() < most)) {
                failFast.loginsRejected(rejection());
                failFast.wake(failFast.marker(), false);
                failFast.loginAccepted();
            }
        } finally {
            stop.set(true);
            borrowers.shutdown();
            assertThat(borrowers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failure.get()).isNull();
        return race;
    }

    private AllRejectedFailFast.Borrower enter() {
        try {
            return failFast.enter();
        } catch (SQLException e) {
            throw new AssertionError("enter() failed although the engine is not backing off", e);
        }
    }

    private AllCredentialsRejectedException engineRejectsEveryCredential() {
        try {
            engine.openWithFallback(credential -> {
                throw new RejectedLogin();
            });
        } catch (AllCredentialsRejectedException rejected) {
            return rejected;
        } catch (Exception e) {
            throw new AssertionError("expected every credential to be rejected", e);
        }
        throw new AssertionError("the engine accepted a login the opener rejected");
    }

    private static AllCredentialsRejectedException rejection() {
        return new AllCredentialsRejectedException("fail-fast-unit",
                List.of(new AllCredentialsRejectedException.Attempt(Slot.CURRENT, "app")), Duration.ofSeconds(1),
                null);
    }

    /** What the opener throws: the server said no. */
    private static final class RejectedLogin extends Exception {
    }

    /** A started pool that holds no connection. */
    private static final class EmptyPool implements HikariPoolMXBean {

        @Override
        public int getIdleConnections() {
            return 0;
        }

        @Override
        public int getActiveConnections() {
            return 0;
        }

        @Override
        public int getTotalConnections() {
            return 0;
        }

        @Override
        public int getThreadsAwaitingConnection() {
            return 0;
        }

        @Override
        public void softEvictConnections() {
        }

        @Override
        public void suspendPool() {
        }

        @Override
        public void resumePool() {
        }
    }
}
