package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16, against a real Redis: listeners that, on the switch to NEXT, borrow from the very pool they listen to
 * and call {@code refresh()}, each waiting for the answer, while several threads share a pool of two. Nothing
 * stalls or deadlocks: the listeners get their answers, every operation ends within a bound, and none fails.
 */
class ListenerUsingItsOwnPoolTest {

    private static final int POOL_SIZE = 2;
    private static final int THREADS = 4;
    /** Any caller that waits this long for a connection fails: a stall cannot hide as a slow success. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(5);
    /** How long the test waits for a listener before calling it stuck. */
    private static final long STUCK_SECONDS = 20;

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void listenersThatBorrowFromTheirOwnPoolAndRefreshOnTheSwitchStallNothing(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "listener");
        AtomicReference<Subject> self = new AtomicReference<>();
        // What each listener's call threw, null for nothing; a listener that never returns leaves it incomplete.
        CompletableFuture<Throwable> borrowed = new CompletableFuture<>();
        CompletableFuture<Throwable> refreshed = new CompletableFuture<>();
        RotationListener borrowing = onSwitch(() -> borrowed.complete(catchThrowable(
                () -> self.get().setAndGet().run(THREADS, 0))));   // a key of its own, through its own pool
        RotationListener refreshing = onSwitch(() -> refreshed.complete(catchThrowable(
                () -> self.get().rotation().refresh())));

        try (Subject redis = flavour.build(builder(server, app.source()).maxTotal(POOL_SIZE).maxIdle(POOL_SIZE)
                .maxWait(MAX_WAIT).listener(borrowing).listener(refreshing))) {
            self.set(redis);
            AutoCloseable held = redis.borrowConnection();   // a long command holds one of the two connections
            try (Load load = Load.start("listener-" + flavour, THREADS, redis.setAndGet())) {
                load.awaitProgress(500);

                app.stageNext();
                server.setUser(app.user(), app.next());   // CURRENT is rejected from now on
                // The load's connection: the next borrower logs in again, and switches. Until the listeners are
                // done, the connection that login makes is the only one the pool can lend them.
                redis.retireOneConnection();
                Throwable borrowFailure = borrowed.get(STUCK_SECONDS, TimeUnit.SECONDS);
                Throwable refreshFailure = refreshed.get(STUCK_SECONDS, TimeUnit.SECONDS);
                held.close();
                load.awaitProgress(500);
                load.close();

                assertThat(borrowFailure).as("what the listener's SET and GET through its own pool threw").isNull();
                assertThat(refreshFailure).as("what the listener's refresh() threw").isNull();
                assertThat(load.stopped()).as("every load thread ended").isTrue();
                assertThat(load.failureSamples()).as("failed commands").isEmpty();
                assertThat(load.failures()).isZero();
                assertThat(load.longest()).as("the longest command").isLessThan(MAX_WAIT);
                RotationStatus status = redis.rotation().status();
                assertThat(status.activeSlot()).isEqualTo(Slot.NEXT);
                assertThat(status.counters().switches()).isEqualTo(1);
            }
        }
    }

    private static RotationListener onSwitch(Runnable action) {
        return event -> {
            if (event instanceof RotationEvent.CredentialSwitched) {
                action.run();
            }
        };
    }
}
