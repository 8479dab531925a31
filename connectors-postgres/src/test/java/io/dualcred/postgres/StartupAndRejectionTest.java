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
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
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

            Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
            List<Thread> callers = new ArrayList<>();
            AtomicReference<Boolean> running = new AtomicReference<>(true);
            for (int i = 0; i < 16; i++) {
                Thread caller = new Thread(() -> {
                    while (running.get()) {
                        attempts.add(Attempt.of(dataSource));
                    }
                }, "all-rejected-caller-" + i);
                caller.start();
                callers.add(caller);
            }
            // Three rejected rounds span two backoff intervals, so callers met every phase: the first round, the
            // backoff, and the wait for the next round.
            await().atMost(Duration.ofSeconds(60)).until(() -> dataSource.status().counters().allRejectedRounds() >= 3);
            running.set(false);
            for (Thread caller : callers) {
                caller.join();
            }

            assertThat(attempts).hasSizeGreaterThan(16).allSatisfy(attempt -> {
                assertThat((Throwable) attempt.failure()).as("getConnection() failed").isNotNull();
                assertThat(attempt.failure().getSQLState()).isEqualTo("28P01");
                assertThat(attempt.failure().getMessage()).contains("CURRENT " + role, "NEXT " + role);
                assertThat(attempt.elapsed()).isLessThan(ONE_SECOND);
            });
            RotationStatus rejected = dataSource.status();
            assertThat(rejected.counters().rejectedLogins()).isLessThanOrEqualTo(2 * rejected.counters().allRejectedRounds());
            assertThat(rejected.counters().switches()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> server.authenticationFailures(role) == dataSource.status().counters().rejectedLogins());
            assertThat(server.authenticationFailures(role)).isLessThan(attempts.size());

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
    }
}
