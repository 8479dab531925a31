package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, test 4: a server outage is not an authentication failure. Callers get HikariCP's usual connection errors,
 * the pool does not switch to NEXT although one is staged, and it recovers on the same credential once the server is
 * back.
 */
class ServerOutageTest {

    @Test
    void serverOutageGivesUsualConnectionErrorsWithoutSwitchingAndRecoversOnTheSameCredential() throws Exception {
        try (PostgresServer server = PostgresServer.startNew()) {
            String role = Fixtures.uniqueRole("outage");
            String password = Fixtures.password();
            server.createLoginRole(role, password);
            AtomicReference<CredentialSet> secrets = new AtomicReference<>(
                    CredentialSet.of(Credential.of(role, password), Credential.of(role, Fixtures.password())));

            try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                    .jdbcUrl(server.jdbcUrl())
                    .poolName("server-outage")
                    .maximumPoolSize(4)
                    .connectionTimeout(Duration.ofSeconds(1))
                    .credentialSource(Fixtures.mutableSource("server-outage", secrets))
                    .build()) {
                assertThat((Throwable) selectOne(dataSource)).isNull();

                server.stop();
                // Pooled connections die with the server; once they are gone, HikariCP cannot open new ones.
                List<SQLException> errors = new CopyOnWriteArrayList<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    SQLException error = selectOne(dataSource);
                    if (error != null) {
                        errors.add(error);
                    }
                    return error instanceof SQLTransientConnectionException;
                });
                assertThat(errors).allSatisfy(error -> assertThat(error.getSQLState()).doesNotStartWith("28"));
                assertThat(errors.get(errors.size() - 1).getSQLState()).isEqualTo("08001");
                RotationStatus duringOutage = dataSource.status();
                assertThat(duringOutage.activeSlot()).isEqualTo(Slot.CURRENT);
                assertThat(duringOutage.counters().switches()).isZero();
                assertThat(duringOutage.counters().rejectedLogins()).isZero();
                assertThat(duringOutage.counters().allRejectedRounds()).isZero();

                server.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> selectOne(dataSource) == null);
                RotationStatus recovered = dataSource.status();
                assertThat(recovered.activeSlot()).isEqualTo(Slot.CURRENT);
                assertThat(recovered.activeUsername()).isEqualTo(role);
                assertThat(recovered.counters().switches()).isZero();
                assertThat(recovered.counters().rejectedLogins()).isZero();
                assertThat(server.sessions(role)).isNotEmpty();
                assertThat(server.authenticationFailures(role)).isZero();
            }
        }
    }

    /** @return the error of one {@code SELECT 1} through the pool, or {@code null} if it succeeded */
    private static SQLException selectOne(DualCredentialDataSource dataSource) {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT 1")) {
            result.next();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }
}
