package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PacedCallers;
import io.dualcred.testservers.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.exceptions.JedisAccessControlException;

/** When Redis rejects every credential the source offers: a prompt, specific error; few logins; recovery. */
class AllCredentialsRejectedTest {

    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    private final RedisServer server = RedisServer.shared();
    private final String wrongCurrent = secret("wrong-current");
    private final String wrongNext = secret("wrong-next");

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void callerLearnsWithinOneSecondWhichCredentialsWereRejected(Flavour flavour) throws Exception {
        Account app = accountOfferingWrongPasswords();
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> redis.get(user));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(elapsed).isLessThan(Duration.ofSeconds(1));
            assertThat(thrown)
                    .isInstanceOf(JedisAccessControlException.class)
                    .isInstanceOf(RedisCredentialsRejectedException.class)
                    .hasMessageContaining("CURRENT " + user)
                    .hasMessageContaining("NEXT " + user)
                    .hasMessageContaining(WRONGPASS)
                    .hasCauseExactlyInstanceOf(JedisAccessControlException.class)
                    .hasRootCauseMessage(WRONGPASS);
            assertThat(thrown.getMessage()).doesNotContain(wrongCurrent, wrongNext);
            RedisCredentialsRejectedException rejected = (RedisCredentialsRejectedException) thrown;
            assertThat(rejected.attempts()).containsExactly(new Attempt(Slot.CURRENT, user),
                    new Attempt(Slot.NEXT, user));
            assertThat(rejected.retryAfter()).isPositive();
            assertThat(server.authenticationFailures(user)).isEqualTo(2);
        }
    }

    /**
     * Sixteen callers over three rejected rounds: those whose own login was rejected, those queued for a connection
     * being made, those failed at once during the backoff. Each gets Redis's own reply as the cause.
     */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void everyCallerGetsRedisOwnReplyAsTheCause(Flavour flavour) throws Exception {
        Account app = accountOfferingWrongPasswords();
        String user = app.user();
        Queue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean recording = new AtomicBoolean(true);

        RotationConfig shortBackoff =
                RotationConfig.custom().backoff(Duration.ofMillis(300), 1.0, Duration.ofMillis(300)).build();
        try (Subject redis = flavour.build(RedisFixtures.builder(server, app.source()).rotation(shortBackoff))) {
            try (PacedCallers callers = PacedCallers.start(16, Duration.ofMillis(5), () -> {
                try {
                    return redis.get(user) == null;
                } catch (RuntimeException expected) {
                    if (recording.get()) {
                        failures.add(expected);
                    }
                    return false;
                }
            })) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> redis.rotation().status().counters().allRejectedRounds() >= 3);
                recording.set(false);
                assertThat(callers.firstSuccess()).isEmpty();
            }
        }

        assertThat(failures).hasSizeGreaterThan(16);
        for (RuntimeException failure : failures) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            assertThat(failure).as(trace.toString())
                    .isInstanceOf(RedisCredentialsRejectedException.class)
                    .hasMessageContaining("CURRENT " + user)
                    .hasMessageContaining("NEXT " + user)
                    .hasMessageContaining(WRONGPASS)
                    .hasCauseExactlyInstanceOf(JedisAccessControlException.class)
                    .cause().hasMessage(WRONGPASS);
            assertThat(trace.toString()).doesNotContain(wrongCurrent, wrongNext, app.current());
        }
    }

    /**
     * Sixteen threads keep asking for connections while every credential is wrong: they all fail fast, and the
     * server sees at most one login per credential per backoff step (1 s, then 2 s...), not one per request.
     */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void rejectedLoginsAreBoundedByTheBackoffWhateverTheLoad(Flavour flavour) throws Exception {
        Account app = accountOfferingWrongPasswords();
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            AtomicLong requests = new AtomicLong();
            AtomicLong unexpected = new AtomicLong();
            long start = System.nanoTime();
            long stopAt = start + Duration.ofMillis(1_500).toNanos();
            CountDownLatch done = new CountDownLatch(16);
            for (int i = 0; i < 16; i++) {
                Thread thread = new Thread(() -> {
                    while (System.nanoTime() < stopAt) {
                        requests.incrementAndGet();
                        try {
                            redis.get(user);
                            unexpected.incrementAndGet();
                        } catch (RedisCredentialsRejectedException expected) {
                            // fails fast while backing off
                        } catch (RuntimeException other) {
                            unexpected.incrementAndGet();
                        }
                    }
                    done.countDown();
                }, "rejected-" + i);
                thread.setDaemon(true);
                thread.start();
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;

            // Rounds of real logins can start at 0 s, after 1 s, after 1 + 2 s, after 1 + 2 + 4 s.
            int rounds = 1 + (seconds >= 1 ? 1 : 0) + (seconds >= 3 ? 1 : 0) + (seconds >= 7 ? 1 : 0);
            // In the first round, every connection being made at once may try CURRENT before the first rejection
            // is known (at most the pool size); after that, one login per credential per round.
            long bound = RedisFixtures.POOL_SIZE + 1 + 2L * (rounds - 1);
            assertThat(unexpected.get()).isZero();
            assertThat(requests.get()).isGreaterThan(100);
            assertThat(server.authenticationFailures(user)).isBetween(2L, bound);
            assertThat(redis.rotation().status().counters().allRejectedRounds()).isBetween(1L, (long) rounds);
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void recoversWithoutRestartOnceTheSourceHoldsTheRightPassword(Flavour flavour) throws Exception {
        Account app = accountOfferingWrongPasswords();
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            assertThat(catchThrowable(() -> redis.get(user))).isInstanceOf(RedisCredentialsRejectedException.class);
            assertThat(redis.rotation().status().backingOff()).isTrue();

            app.source().set(Credential.of(user, app.current()));
            // The source is read again when the backoff step ends; no refresh() and no restart needed.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(RedisCredentialsRejectedException.class)
                    .until(() -> redis.get(user) == null);

            assertThat(redis.rotation().status().backingOff()).isFalse();
            assertThat(redis.rotation().status().activeSlot()).isEqualTo(Slot.CURRENT);
        }
    }

    /** A user whose password on the server is neither of the two the source offers. */
    private Account accountOfferingWrongPasswords() {
        Account app = Account.create(server, "app");
        app.source().set(Credential.of(app.user(), wrongCurrent), Credential.of(app.user(), wrongNext));
        return app;
    }
}
