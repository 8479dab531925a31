package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Issue 3, test 1: a password rotation under load fails no operation, and the promotion that follows is a no-op. */
class RotationUnderLoadTest {

    private static final int CLIENT_THREADS = 16;
    private static final int POOL_SIZE = 8;
    /** About a second of load per phase on a busy two-core machine; the whole run lasts several seconds. */
    private static final int OPERATIONS_PER_PHASE = 10_000;

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void rotatesThePasswordUnderLoadWithoutFailedOperationsThenPromotesWithoutSwitchOrEviction() throws Exception {
        String role = Fixtures.uniqueRole("rotation");
        String newPassword = Fixtures.password();
        AtomicReference<CredentialSet> secrets =
                Fixtures.stagedRotation(server, role, Fixtures.password(), newPassword);
        List<RotationEvent> events = new CopyOnWriteArrayList<>();

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("rotation-under-load")
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
        }
    }
}
