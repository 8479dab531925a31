package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.SqlQuoting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3, test 1: a password rotation under load fails no operation, and the promotion that follows is a no-op;
 * over a plain connection and over TLS ({@code sslmode=verify-full} against the server's self-signed certificate),
 * where every session of the pool must be encrypted.
 */
class RotationUnderLoadTest {

    private static final int CLIENT_THREADS = 16;
    private static final int POOL_SIZE = 8;
    /** About a second of load per phase on a busy two-core machine; the whole run lasts several seconds. */
    private static final int OPERATIONS_PER_PHASE = 10_000;

    @AutoClose
    private static final PostgresServer TLS_SERVER = PostgresServer.startNewWithTls();

    /** How the pool reaches the server. */
    enum Transport {
        PLAIN, TLS
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void rotatesThePasswordUnderLoadWithoutFailedOperationsThenPromotesWithoutSwitchOrEviction(Transport transport)
            throws Exception {
        PostgresServer server = transport == Transport.TLS ? TLS_SERVER : PostgresServer.shared();
        String jdbcUrl = transport == Transport.TLS
                ? "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + server.database()
                        + "?sslmode=verify-full&sslrootcert=" + server.tlsCertificate()
                : server.jdbcUrl();
        String role = Fixtures.uniqueRole("rotation");
        String newPassword = Fixtures.password();
        AtomicReference<CredentialSet> secrets =
                Fixtures.stagedRotation(server, role, Fixtures.password(), newPassword);
        List<RotationEvent> events = new CopyOnWriteArrayList<>();

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(jdbcUrl)
                .poolName("rotation-under-load-" + transport)
                .maximumPoolSize(POOL_SIZE)
                .credentialSource(Fixtures.mutableSource("rotation", secrets))
                .listener(events::add)
                .build();
             QueryLoad load = QueryLoad.start(dataSource, CLIENT_THREADS, "rotation")) {

            load.awaitMoreOperations(OPERATIONS_PER_PHASE);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.sessions(role).size() == POOL_SIZE);
            Set<Integer> sessionsBeforeChange = Fixtures.sessionPids(server, role);
            Instant passwordChanged = Fixtures.serverNow(server);
            server.setPassword(role, newPassword);

            RotationStatus switched = Fixtures.retireOneConnectionAndAwaitSwitch(dataSource);
            assertThat(switched.activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(switched.activeUsername()).isEqualTo(role);

            // Idle connections of the old password closed at the switch, busy ones as they were returned: none is
            // left for the revocation to hit.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.sessions(role))
                    .noneMatch(session -> sessionsBeforeChange.contains(session.pid())
                            || session.backendStart().isBefore(passwordChanged)));
            assertThat(server.terminateSessionsStartedBefore(role, passwordChanged)).isZero();
            load.awaitMoreOperations(OPERATIONS_PER_PHASE);

            // Promotion: the store now holds the new password as CURRENT and no NEXT.
            await().atMost(Duration.ofSeconds(30)).until(() -> server.sessions(role).size() == POOL_SIZE);
            Set<Integer> sessionsBeforePromotion = Fixtures.sessionPids(server, role);
            secrets.set(CredentialSet.of(Credential.of(role, newPassword)));
            RotationStatus promoted = dataSource.refresh();
            load.awaitMoreOperations(OPERATIONS_PER_PHASE);
            load.stop();

            assertThat(load.failures()).as("failed operations; some: %s", load.someFailures()).isZero();
            assertThat(promoted.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(promoted.nextStaged()).isFalse();
            assertThat(promoted.counters().promotions()).isEqualTo(1);
            assertThat(dataSource.status().counters().switches()).isEqualTo(1);
            assertThat(dataSource.status().counters().evictions()).isEqualTo(1);
            assertThat(dataSource.status().counters().rejectedLogins()).isEqualTo(1);
            assertThat(Fixtures.sessionPids(server, role)).isEqualTo(sessionsBeforePromotion);
            assertThat(events).filteredOn(RotationEvent.CredentialSwitched.class::isInstance).hasSize(1);
            assertThat(events).filteredOn(RotationEvent.ConnectionsEvicted.class::isInstance).hasSize(1);
            assertThat(events).filteredOn(RotationEvent.CredentialsPromoted.class::isInstance).hasSize(1);
            assertThat(encryptedSessions(server, role)).as("whether each session of the pool uses TLS")
                    .hasSize(POOL_SIZE).containsOnly(transport == Transport.TLS);
        }
    }

    /** @return for each session of {@code role}, whether it is encrypted ({@code pg_stat_ssl.ssl}) */
    private static List<Boolean> encryptedSessions(PostgresServer server, String role) {
        return server.query("SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = "
                + SqlQuoting.literal(role)).stream().map(row -> (Boolean) row.get("ssl")).toList();
    }
}
