package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationControl;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Issue 16, against a real Redis: one slow login — CURRENT rejected, and the source's re-read hangs — holds up
 * nobody else. A caller that needs a new connection meanwhile gets its answer within the pool's {@code maxWait},
 * the rotation handle answers at once, and closing the client releases the slow login with a clear error. (In the
 * first engine the re-read ran under the engine's lock, and the second caller, {@code refresh()} and
 * {@code evictConnections()} all waited for it.)
 */
class SlowLoginTest {

    private static final Duration MAX_WAIT = Duration.ofSeconds(1);
    /** Longer than anything the test waits for: on its own, the slow login would last this long. */
    private static final Duration SOURCE_TIMEOUT = Duration.ofSeconds(60);
    /** How long a caller may take beyond {@code maxWait} on this busy two-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(1_500);
    /** How long a call to the rotation handle may take. */
    private static final Duration PROMPT = Duration.ofMillis(500);
    /** How long the test waits for anything before calling it blocked. */
    private static final long BLOCKED_SECONDS = 15;

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private HangingReRead source;

    @AfterEach
    void release() throws InterruptedException {
        if (source != null) {
            source.release();
        }
        executor.shutdownNow();
        assertThat(executor.awaitTermination(BLOCKED_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void aCallerThatNeedsANewConnectionDuringASlowLoginGetsItsAnswerWithinMaxWait(Flavour flavour)
            throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "slow");
        source = new HangingReRead(CredentialSet.of(Credential.of(app.user(), app.current()),
                Credential.of(app.user(), app.next())));

        try (Subject redis = flavour.build(builder(server, source).maxTotal(2).maxIdle(2).maxWait(MAX_WAIT)
                .rotation(RotationConfig.custom().sourceTimeout(SOURCE_TIMEOUT).build()))) {
            server.setUser(app.user(), app.next());   // CURRENT is rejected: the next login re-reads the source
            Future<Timed> slow = executor.submit(timed(() -> redis.get(app.user())));
            assertThat(source.hanging.await(BLOCKED_SECONDS, TimeUnit.SECONDS)).as("the slow login re-reads").isTrue();

            // The pool is empty and has room: the second caller makes a connection of its own, and so meets the
            // login under way.
            Timed second = executor.submit(timed(() -> redis.get(app.user()))).get(BLOCKED_SECONDS, TimeUnit.SECONDS);

            assertThat(second.took()).as("the second caller's wait; maxWait is %s", MAX_WAIT)
                    .isLessThan(MAX_WAIT.plus(MARGIN));
            assertThat(second.failure()).isInstanceOf(JedisException.class)
                    .hasMessage("Could not get a resource from the pool");
            assertThat(slow).isNotDone();
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void theRotationHandleAnswersDuringASlowLoginAndClosingReleasesIt(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "slow");
        source = new HangingReRead(CredentialSet.of(Credential.of(app.user(), app.current()),
                Credential.of(app.user(), app.next())));
        Subject redis = flavour.build(builder(server, source).maxTotal(2).maxIdle(2).maxWait(MAX_WAIT)
                .rotation(RotationConfig.custom().sourceTimeout(SOURCE_TIMEOUT).build()));
        try {
            server.setUser(app.user(), app.next());
            Future<Timed> slow = executor.submit(timed(() -> redis.get(app.user())));
            assertThat(source.hanging.await(BLOCKED_SECONDS, TimeUnit.SECONDS)).as("the slow login re-reads").isTrue();
            RotationControl rotation = redis.rotation();

            Timed status = executor.submit(timed(rotation::status)).get(BLOCKED_SECONDS, TimeUnit.SECONDS);
            Timed refresh = executor.submit(timed(rotation::refresh)).get(BLOCKED_SECONDS, TimeUnit.SECONDS);
            Timed evict = executor.submit(timed(() -> {
                rotation.evictConnections();
                return null;
            })).get(BLOCKED_SECONDS, TimeUnit.SECONDS);

            assertThat(status.took()).as("status()").isLessThan(PROMPT);
            assertThat(refresh.took()).as("refresh()").isLessThan(PROMPT);
            assertThat(refresh.failure()).isNull();
            assertThat(evict.took()).as("evictConnections()").isLessThan(PROMPT);
            assertThat(evict.failure()).isNull();
            assertThat(rotation.status().generation()).isEqualTo(1);
            assertThat(slow).isNotDone();

            long closing = System.nanoTime();
            redis.close();
            Timed released = slow.get(BLOCKED_SECONDS, TimeUnit.SECONDS);
            Duration afterClose = Duration.ofNanos(System.nanoTime() - closing);

            assertThat(afterClose).as("the slow login after close()").isLessThan(PROMPT.multipliedBy(4));
            assertThat(released.failure()).isInstanceOf(JedisException.class)
                    .rootCause().hasMessageContaining("the rotation engine is closed");
        } finally {
            redis.close();
        }
    }

    /** @return a task that runs {@code call} and reports how long it took and what it threw, if anything */
    private static Callable<Timed> timed(Callable<?> call) {
        return () -> {
            long started = System.nanoTime();
            Throwable failure = catchThrowable(call::call);
            return new Timed(Duration.ofNanos(System.nanoTime() - started), failure);
        };
    }

    /** How long a call took, and its failure or {@code null}. */
    private record Timed(Duration took, Throwable failure) {
    }

    /**
     * A source whose start-up read answers at once, whose first fresh read — the re-read of a login whose CURRENT was
     * rejected — hangs until the test ends, as a read of a remote store stuck in a socket does (an interrupt does not
     * end it), and whose later reads answer at once.
     */
    private static final class HangingReRead implements CredentialSource {

        final CountDownLatch hanging = new CountDownLatch(1);
        private final CompletableFuture<Void> released = new CompletableFuture<>();
        private final AtomicBoolean first = new AtomicBoolean(true);
        private final CredentialSet set;

        HangingReRead(CredentialSet set) {
            this.set = set;
        }

        @Override
        public CredentialSet load() {
            return set;
        }

        @Override
        public CredentialSet loadFresh() {
            if (first.getAndSet(false)) {
                hanging.countDown();
                released.join();   // ignores interrupts
            }
            return set;
        }

        void release() {
            released.complete(null);
        }

        @Override
        public String description() {
            return "hanging-re-read";
        }
    }
}
