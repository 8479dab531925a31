package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.postgres.internal.PostgresAuthFailureClassifier;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * What a failover does to clients, seen on a real primary and standby: none of it is an authentication failure, so
 * none of it may make a pool change credentials.
 */
@PoolIndependent
class FailoverRepliesTest {

    private final PostgresAuthFailureClassifier classifier = new PostgresAuthFailureClassifier();

    @Test
    void aKilledSessionAWriteOnAStandbyAStoppedPrimaryAndNoPrimaryLeftAreNotAuthenticationFailures()
            throws SQLException {
        try (PostgresServer primary = PostgresServer.startNewPrimary();
             PostgresServer standby = primary.startStandby()) {
            primary.createLoginRole("app", "pw");
            standby.awaitReplayed(primary.currentWalLsn());

            try (Connection killed = primary.connect("app", "pw")) {
                primary.terminateSessions("app");
                assertNotAuthentication(failureOf(killed, "SELECT 1"), "57P01");
            }
            try (Connection onStandby = standby.connect("app", "pw")) {
                assertNotAuthentication(failureOf(onStandby, "CREATE TEMP TABLE t (id int)"), "25006");
            }
            try (Connection cut = primary.connect("app", "pw")) {
                primary.stop();
                SQLException failure = failureOf(cut, "SELECT 1");
                assertThat(failure.getSQLState()).isIn("57P01", "08006");
                assertThat(classifier.isAuthenticationFailure(failure)).as(failure.getMessage()).isFalse();
            }
            Properties credentials = new Properties();
            credentials.setProperty("user", "app");
            credentials.setProperty("password", "pw");
            String writable = PostgresServer.multiHostJdbcUrl("primary", primary, standby);
            SQLException noPrimary = null;
            try (Connection unexpected = DriverManager.getConnection(writable, credentials)) {
                throw new AssertionError("a primary was found: " + unexpected);
            } catch (SQLException e) {
                noPrimary = e;
            }
            assertNotAuthentication(noPrimary, "08001");
            assertThat(noPrimary.getMessage()).contains("targetServerType");

            standby.promote();
            try (Connection promoted = DriverManager.getConnection(writable, credentials)) {
                assertThat(promoted.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void aServerShuttingDownRefusesLoginsWithoutItBeingAnAuthenticationFailure() throws SQLException {
        try (PostgresServer server = PostgresServer.startNew()) {
            server.createLoginRole("app", "pw");
            try (Connection stillOpen = server.connect("app", "pw")) {
                server.beginSmartShutdown();
                SQLException refused = null;
                long deadline = System.nanoTime() + 30_000_000_000L;
                // The postmaster takes the signal asynchronously: logins succeed until it has.
                while (refused == null && System.nanoTime() < deadline) {
                    try (Connection late = server.connect("app", "pw")) {
                        assertThat(late.isValid(5)).isTrue();
                    } catch (SQLException e) {
                        refused = e;
                    }
                }
                assertThat((Object) refused).as("a login refused within 30 s of the smart shutdown").isNotNull();
                assertNotAuthentication(refused, "57P03");
                assertThat(stillOpen.isValid(5)).as("the open session goes on").isTrue();
            }
        }
    }

    private static SQLException failureOf(Connection connection, String sql) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError(sql + " succeeded");
    }

    private void assertNotAuthentication(SQLException failure, String state) {
        assertThat(failure.getSQLState()).as(failure.getMessage()).isEqualTo(state);
        assertThat(classifier.isAuthenticationFailure(failure)).as(failure.getMessage()).isFalse();
    }
}
