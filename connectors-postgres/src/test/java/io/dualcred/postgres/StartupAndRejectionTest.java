package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, test 3: CURRENT rejected at start-up; every credential rejected at start-up and at runtime, failing callers
 * within one second while bounding the logins the server sees; recovery once the source is fixed.
 */
class StartupAndRejectionTest {

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void startsOnNextWhenCurrentIsRejected() throws Exception {
        String role = Fixtures.uniqueRole("startnext");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        AtomicReference<CredentialSet> secrets = new AtomicReference<>(
                CredentialSet.of(Credential.of(role, Fixtures.password()), Credential.of(role, password)));

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("starts-on-next")
                .maximumPoolSize(2)
                .credentialSource(Fixtures.mutableSource("starts-on-next", secrets))
                .build()) {

            RotationStatus status = dataSource.status();
            assertThat(status.activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(status.counters().switches()).isEqualTo(1);
            assertThat(status.counters().rejectedLogins()).isEqualTo(1);
            assertThat(currentUser(dataSource)).isEqualTo(role);
            assertThat(server.authenticationFailures(role)).isEqualTo(1);
        }
    }

    @Test
    void buildFailsWith28P01NamingSlotsAndUsersWhenEveryCredentialIsRejected() {
        String currentRole = Fixtures.uniqueRole("startblue");
        String nextRole = Fixtures.uniqueRole("startgreen");
        server.createLoginRole(currentRole, Fixtures.password());
        server.createLoginRole(nextRole, Fixtures.password());
        AtomicReference<CredentialSet> secrets = new AtomicReference<>(CredentialSet.of(
                Credential.of(currentRole, Fixtures.password()), Credential.of(nextRole, Fixtures.password())));

        assertThatThrownBy(() -> DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("starts-rejected")
                .credentialSource(Fixtures.mutableSource("starts-rejected", secrets))
                .build())
                .hasMessageContaining("CURRENT " + currentRole)
                .cause()
                .isInstanceOfSatisfying(SQLException.class,
                        rejected -> assertThat(rejected.getSQLState()).isEqualTo("28P01"))
                .hasMessageContaining("starts-rejected")
                .hasMessageContaining("CURRENT " + currentRole)
                .hasMessageContaining("NEXT " + nextRole);
        assertThat(server.authenticationFailures(currentRole)).isEqualTo(1);
        assertThat(server.authenticationFailures(nextRole)).isEqualTo(1);
    }

    @Test
    void failsCallersWithin1sWith28P01BoundsServerLoginsAndRecoversWhenTheSourceIsFixed() throws Exception {
        String role = Fixtures.uniqueRole("rejected");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        AtomicReference<CredentialSet> secrets = new AtomicReference<>(CredentialSet.of(
                Credential.of(role, Fixtures.password()), Credential.of(role, Fixtures.password())));

        // initializationFailTimeout < 0: the pool starts without logging in, so the rejection meets callers.
        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("all-rejected")
                .maximumPoolSize(8)
                .initializationFailTimeout(Duration.ofMillis(-1))
                .credentialSource(Fixtures.mutableSource("all-rejected", secrets))
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(500), 2.0, Duration.ofSeconds(2)).build())
                .build()) {

            // Sixteen callers, each asking for a connection every 5 ms: a steady stream of requests that meets every
            // phase (the first round, the backoff, the wait for the next round) without the test's own threads
            // spinning the CPU away from the pool's login thread. Results are aggregated as they happen.
            AtomicLong calls = new AtomicLong();
            LongAccumulator slowestNanos = new LongAccumulator(Math::max, 0);
            Queue<String> violations = new ConcurrentLinkedQueue<>();
            ScheduledExecutorService callers = Executors.newScheduledThreadPool(16);
            for (int i = 0; i < 16; i++) {
                callers.scheduleWithFixedDelay(() -> {
                    Attempt attempt = Attempt.of(dataSource);
                    calls.incrementAndGet();
                    slowestNanos.accumulate(attempt.elapsed().toNanos());
                    String violation = attempt.violation(role);
                    if (violation != null && violations.size() < 10) {
                        violations.add(violation);
                    }
                }, 0, 5, TimeUnit.MILLISECONDS);
            }
            // Three rejected rounds span two backoff intervals.
            await().atMost(Duration.ofSeconds(60)).until(() -> dataSource.status().counters().allRejectedRounds() >= 3);
            callers.shutdown();
            assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            assertThat(violations).as("calls that did not fail with 28P01 naming both slots within 1 s").isEmpty();
            assertThat(calls.get()).isGreaterThan(16);
            assertThat(Duration.ofNanos(slowestNanos.get())).isLessThan(ONE_SECOND);
            RotationStatus rejected = dataSource.status();
            assertThat(rejected.counters().rejectedLogins()).isLessThanOrEqualTo(2 * rejected.counters().allRejectedRounds());
            assertThat(rejected.counters().switches()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> server.authenticationFailures(role) == dataSource.status().counters().rejectedLogins());
            assertThat(server.authenticationFailures(role)).isLessThan(calls.get());

            secrets.set(CredentialSet.of(Credential.of(role, password)));
            await().atMost(Duration.ofSeconds(30)).until(() -> Attempt.of(dataSource).failure() == null);
            RotationStatus recovered = dataSource.status();
            assertThat(recovered.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(recovered.backingOff()).isFalse();
            assertThat(currentUser(dataSource)).isEqualTo(role);
        }
    }

    private static String currentUser(DualCredentialDataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT current_user")) {
            result.next();
            return result.getString(1);
        }
    }

    /** One call to getConnection(): how long it took and what it threw, if anything. */
    private record Attempt(Duration elapsed, SQLException failure) {

        static Attempt of(DualCredentialDataSource dataSource) {
            long start = System.nanoTime();
            try (Connection connection = dataSource.getConnection()) {
                return new Attempt(Duration.ofNanos(System.nanoTime() - start), null);
            } catch (SQLException e) {
                return new Attempt(Duration.ofNanos(System.nanoTime() - start), e);
            }
        }

        /** @return what is wrong with this attempt while every credential is rejected, or {@code null} */
        String violation(String role) {
            if (failure == null) {
                return "getConnection() succeeded";
            }
            if (!"28P01".equals(failure.getSQLState())
                    || !failure.getMessage().contains("CURRENT " + role)
                    || !failure.getMessage().contains("NEXT " + role)) {
                return failure.toString();
            }
            return elapsed.compareTo(ONE_SECOND) < 0 ? null : "failed after " + elapsed.toMillis() + " ms";
        }
    }
}
