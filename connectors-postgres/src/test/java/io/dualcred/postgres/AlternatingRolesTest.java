package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, test 2: the "alternating roles" strategy. NEXT names a second role; when the first role may no longer log
 * in, the pool moves to the second one under load without a failed operation.
 */
class AlternatingRolesTest {

    /** About a second of load per phase on a busy two-core machine. */
    private static final int OPERATIONS_PER_PHASE = 10_000;

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void switchesToTheSecondRoleUnderLoadWhenTheFirstLosesLoginWithoutFailedOperations() throws Exception {
        String firstRole = Fixtures.uniqueRole("blue");
        String secondRole = Fixtures.uniqueRole("green");
        String firstPassword = Fixtures.password();
        String secondPassword = Fixtures.password();
        server.createLoginRole(firstRole, firstPassword);
        server.createLoginRole(secondRole, secondPassword);
        AtomicReference<CredentialSet> secrets = new AtomicReference<>(CredentialSet.of(
                Credential.of(firstRole, firstPassword), Credential.of(secondRole, secondPassword)));

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("alternating-roles")
                .maximumPoolSize(8)
                .credentialSource(Fixtures.mutableSource("alternating", secrets))
                .build();
             QueryLoad load = QueryLoad.start(dataSource, 16, "alternating")) {

            load.awaitMoreOperations(OPERATIONS_PER_PHASE);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.sessions(firstRole).size() == 8);
            server.setLogin(firstRole, false);

            RotationStatus switched = Fixtures.retireOneConnectionAndAwaitSwitch(dataSource);
            assertThat(switched.activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(switched.activeUsername()).isEqualTo(secondRole);

            await().atMost(Duration.ofSeconds(30)).until(() -> server.sessions(firstRole).isEmpty());
            assertThat(server.terminateSessions(firstRole)).isZero();
            load.awaitMoreOperations(OPERATIONS_PER_PHASE);
            load.stop();

            assertThat(load.failures()).as("failed operations; some: %s", load.someFailures()).isZero();
            assertThat(server.sessions(secondRole)).isNotEmpty().hasSizeLessThanOrEqualTo(8);
            assertThat(dataSource.status().counters().rejectedLogins()).isEqualTo(1);
        }
    }
}
