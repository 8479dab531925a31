package io.dualcred.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dualcred.testservers.PostgresServer;
import java.net.ServerSocket;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pgjdbc drops the primary's rejection when a lagging standby still takes the old password; a real primary and a
 * real paused standby show it, and that dualcred finds the rejection again without inventing one.
 */
class MultiHostRejectionTest {

    private static final String ROLE = "multi_host_app";
    private static final String OLD = "old-password-1";
    private static final String NEW = "new-password-2";

    private static PostgresServer primary;
    private static PostgresServer standby;
    private final Driver driver = new org.postgresql.Driver();

    @BeforeAll
    static void primaryWithALaggingStandbyThatStillHasTheOldPassword() {
        primary = PostgresServer.startNewPrimary();
        primary.createLoginRole(ROLE, OLD);
        standby = primary.startStandby();
        standby.awaitReplayed(primary.currentWalLsn());
        standby.pauseReplay(true);
        primary.setPassword(ROLE, NEW);
    }

    @AfterAll
    static void stop() {
        try (PostgresServer s = standby; PostgresServer p = primary) {
            // closes both
        }
    }

    @Test
    void theRejectionPgjdbcDropsIsFoundOnThePrimary() {
        String url = PostgresServer.multiHostJdbcUrl("primary", primary, standby);
        Properties properties = credential(OLD);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));
        // What pgjdbc says on its own: no primary, nothing about the password.
        assertThat(failure.getSQLState()).as(String.valueOf(failure)).isEqualTo("08001");
        assertThat(new PostgresAuthFailureClassifier().isAuthenticationFailure(failure)).isFalse();

        SQLException revealed = MultiHostRejection.reveal(driver, url, properties, failure);

        assertThat(revealed.getSQLState()).isEqualTo("28P01");
        assertThat(revealed.getMessage()).contains(primary.host() + ":" + primary.port(), ROLE)
                .doesNotContain(OLD, NEW);
        assertThat(revealed.getSuppressed()).containsExactly(failure);
        assertThat(new PostgresAuthFailureClassifier().isAuthenticationFailure(revealed)).isTrue();
    }

    @Test
    void noHostRefusingTheCredentialLeavesTheDriversFailureAsItWas() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // A failover's shape: the primary gone (nothing listens), the standby not promoted yet.
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "," + standby.host() + ":" + standby.port()
                + "/postgres?targetServerType=primary&sslmode=disable";
        Properties properties = credential(OLD);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));
        assertThat(failure.getSQLState()).as(String.valueOf(failure)).isEqualTo("08001");

        assertThat((Object) MultiHostRejection.reveal(driver, url, properties, failure)).isSameAs(failure);
    }

    @Test
    void aSingleHostFailureIsLeftAlone() {
        String url = primary.jdbcUrl();
        Properties properties = credential(OLD);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));

        assertThat((Object) MultiHostRejection.reveal(driver, url, properties, failure)).isSameAs(failure);
    }

    private static Properties credential(String password) {
        Properties properties = new Properties();
        properties.setProperty("user", ROLE);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        return properties;
    }
}
