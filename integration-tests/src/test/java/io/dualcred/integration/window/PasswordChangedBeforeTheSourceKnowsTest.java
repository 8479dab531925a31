package io.dualcred.integration.window;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 3, the window: the password changes on the server before the secret store knows NEXT, as in a
 * single-user rotation by a cloud secrets manager. During the window every new login is rejected and the source
 * offers nothing else; {@code RotationConfig.loginRetryBudget} lets a login wait, re-reading the source at each
 * backoff step, instead of failing at once.
 *
 * <p>The documented bound (RotationConfig, README): one login keeps retrying for at most the retry budget, then
 * fails with the "every credential rejected" error; the round of logins under way when the budget runs out still
 * completes. So no caller waits longer than the budget plus one login round, which is given {@link #ONE_LOGIN_ROUND}
 * here: a SCRAM login takes milliseconds, but this machine is shared by two cores and other builds.
 */
@ExtendWith(NoSecretLeaks.class)
class PasswordChangedBeforeTheSourceKnowsTest {

    private static final Duration ONE_LOGIN_ROUND = Duration.ofSeconds(1);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration LONGEST_BACKOFF = Duration.ofMillis(400);
    /** Longer than any budget here, so that the pool's own timeout never decides how long a caller waits. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(15);
    /** Source reads during recovery before the store learns NEXT: rounds at 0, 0.1, 0.3, 0.7, 1.1 s. */
    private static final int READS_DURING_THE_WINDOW = 5;

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void aWindowShorterThanTheRetryBudgetFailsNothingAndCallersWaitLessThanTheBudget(PoolKind kind) {
        Duration budget = Duration.ofSeconds(3);
        Subject subject = Subject.open(kind, "short-window", budget);
        try (PoolUnderTest pool = subject.pool; Load load = Load.start(pool)) {
            load.awaitSuccesses(500);

            long readsBefore = subject.source.loads();
            Instant opened = Instant.now();
            subject.server.replacePassword(subject.account.user(), subject.account.current(), subject.account.next());
            pool.evictConnections();
            // New logins are rejected and the store still offers only CURRENT: the engine keeps re-reading it.
            eventually("the engine to re-read the source " + READS_DURING_THE_WINDOW + " times while retrying")
                    .until(() -> subject.source.loads() >= readsBefore + READS_DURING_THE_WINDOW);
            subject.source.set(subject.account.currentCredential(), subject.account.nextCredential());
            Duration window = Duration.between(opened, Instant.now());

            eventually("the pool to switch to NEXT").until(() -> pool.status().activeSlot() == Slot.NEXT);
            load.awaitSuccesses(1_000);
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(status.counters().switches()).isEqualTo(1);
            assertThat(status.counters().allRejectedRounds()).isZero();
            assertThat(load.slowest()).as("the longest a caller waited (window %d ms)", window.toMillis())
                    .isLessThanOrEqualTo(budget.plus(ONE_LOGIN_ROUND));
            // The store is re-read at every backoff step, so callers wait for the window plus at most one step.
            assertThat(load.slowest()).as("the longest a caller waited (window %d ms)", window.toMillis())
                    .isLessThanOrEqualTo(window.plus(LONGEST_BACKOFF).plus(ONE_LOGIN_ROUND));
            Report.line("window %s: %d ms window, budget %d ms: slowest caller %d ms, 0 of %d operations failed, %d "
                    + "logins rejected by the server", kind, window.toMillis(), budget.toMillis(),
                    load.slowest().toMillis(), load.successes(), subject.server.rejectedLogins(subject.account.user()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void aWindowLongerThanTheRetryBudgetGivesTheDocumentedErrorWithinTheBudgetThenRecovers(PoolKind kind) {
        Duration budget = Duration.ofSeconds(1);
        Subject subject = Subject.open(kind, "long-window", budget);
        try (PoolUnderTest pool = subject.pool; Load load = Load.start(pool)) {
            load.awaitSuccesses(500);

            pool.awaitFull();
            Instant opened = Instant.now();
            subject.server.replacePassword(subject.account.user(), subject.account.current(), subject.account.next());
            pool.expireConnections();   // the pool must log in again, as after maxLifetime
            eventually("callers to get the documented error, twice each, and the budget to run out twice")
                    .until(() -> load.everyCredentialRejected() >= 2L * Load.THREADS
                            && pool.status().counters().allRejectedRounds() >= 2);
            subject.source.set(subject.account.currentCredential(), subject.account.nextCredential());
            Duration window = Duration.between(opened, Instant.now());
            Exposure.jmx();

            eventually("the pool to switch to NEXT once the store knows it, without a restart")
                    .until(() -> pool.status().activeSlot() == Slot.NEXT);
            Load.Checkpoint recovered = load.checkpoint();
            load.awaitSuccesses(1_000);
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            assertThat(load.failures()).as("every failure is the documented error; the first: %s",
                    load.someFailures()).isEqualTo(load.everyCredentialRejected());
            assertThat(load.failuresSince(recovered)).isZero();
            assertThat(status.backingOff()).isFalse();
            assertThat(load.slowest()).as("the longest a caller waited for a connection or the error")
                    .isLessThanOrEqualTo(budget.plus(ONE_LOGIN_ROUND));
            Report.line("window %s: %d ms window, budget %d ms: slowest caller %d ms, %d documented errors, %d "
                    + "rounds rejected, %d logins rejected by the server", kind, window.toMillis(),
                    budget.toMillis(), load.slowest().toMillis(), load.everyCredentialRejected(),
                    status.counters().allRejectedRounds(), subject.server.rejectedLogins(subject.account.user()));
        }
    }

    /** A user, a source that knows only CURRENT, and a pool with a login retry budget. */
    private record Subject(ServerAdmin server, Account account, MutableSource source, PoolUnderTest pool) {

        static Subject open(PoolKind kind, String label, Duration budget) {
            ServerAdmin server = kind.sharedServer();
            Account account = Account.create(server, "window");
            MutableSource source = account.source(label);
            PoolUnderTest pool = kind.open(server, PoolSpec.of(label + "-" + kind, source)
                    .rotation(RotationConfig.custom()
                            .backoff(FIRST_BACKOFF, 2.0, LONGEST_BACKOFF)
                            .loginRetryBudget(budget)
                            .build())
                    .connectionTimeout(CONNECTION_TIMEOUT)
                    .mbeans(true));
            return new Subject(server, account, source, pool);
        }
    }
}
