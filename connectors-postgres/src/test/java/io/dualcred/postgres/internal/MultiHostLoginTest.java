package io.dualcred.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dualcred.postgres.PoolIndependent;
import io.dualcred.testservers.PostgresServer;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.hostchooser.GlobalHostStatusTracker;
import org.postgresql.hostchooser.HostStatus;
import org.postgresql.util.HostSpec;

/**
 * The two ways pgjdbc ends a multi-host login in {@code 08001 Could not find a server with specified
 * targetServerType} although a host could tell more, made on a real primary and a real standby, and what dualcred's
 * host-by-host look makes of them; and that it invents nothing when the 08001 is a failover's.
 */
@PoolIndependent
class MultiHostLoginTest {

    private static final String ROLE = "multi_host_app";
    private static final String OLD = "old-password-1";
    private static final String NEW = "new-password-2";

    private static PostgresServer primary;
    private static PostgresServer standby;
    private final Driver driver = new org.postgresql.Driver();

    @BeforeAll
    static void primaryWithAStandby() {
        primary = PostgresServer.startNewPrimary();
        primary.createLoginRole(ROLE, OLD);
        standby = primary.startStandby();
        standby.awaitReplayed(primary.currentWalLsn());
    }

    @AfterAll
    static void stop() {
        try (PostgresServer s = standby; PostgresServer p = primary) {
            // closes both
        }
    }

    @Test
    void theRejectionPgjdbcDropsWhileAStandbyLagsIsFoundOnThePrimary() throws Exception {
        whileTheStandbyLagsBehindAPasswordChange(() -> {
            // Both hosts unknown to pgjdbc: it tries the primary (28P01), then the standby (accepts OLD, not primary).
            String url = PostgresServer.multiHostJdbcUrl("primary", primary, standby);
            assertTheRefusalIsRevealed(url, primary);
        });
    }

    @Test
    void aPrimaryPgjdbcSkipsAfterARejectedLoginStillGivesTheConnection() throws Exception {
        String url = PostgresServer.multiHostJdbcUrl("primary", primary, standby);
        Properties properties = credential(OLD);
        // What pgjdbc's cache holds right after a rejected login while the standby's entry has not expired: the
        // primary "failed to connect", the standby "connected". It tries the standby alone.
        GlobalHostStatusTracker.reportHostStatus(hostSpec(primary), HostStatus.ConnectFail);
        GlobalHostStatusTracker.reportHostStatus(hostSpec(standby), HostStatus.ConnectOK);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));
        assertThat(failure.getSQLState()).as(String.valueOf(failure)).isEqualTo("08001");

        try (Connection connection = MultiHostLogin.hostByHost(driver, url, properties, failure);
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT pg_is_in_recovery(), inet_server_port(), current_user")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getBoolean(1)).as("on the primary").isFalse();
            assertThat(rows.getInt(2)).isEqualTo(primary.port());
            assertThat(rows.getString(3)).isEqualTo(ROLE);
        }
    }

    @Test
    void afterARejectionPgjdbcCouldTryNextOnALaggingStandbyAloneUntilTheRefusalsAreForgotten() throws Exception {
        whileTheStandbyLagsBehindAPasswordChange(() -> {
            String url = PostgresServer.multiHostJdbcUrl("primary", primary, standby);
            // pgjdbc's cache after OLD was rejected by the primary: "failed to connect"; the standby still a candidate.
            GlobalHostStatusTracker.reportHostStatus(hostSpec(primary), HostStatus.ConnectFail);
            GlobalHostStatusTracker.reportHostStatus(hostSpec(standby), HostStatus.ConnectOK);
            SQLException onTheStandbyAlone = catchThrowableOfType(SQLException.class,
                    () -> driver.connect(url, credential(NEW)));
            // The lagging standby refuses NEW, which the primary would take: a rejection of the right password.
            assertThat(onTheStandbyAlone.getSQLState()).as(String.valueOf(onTheStandbyAlone)).isEqualTo("28P01");

            GlobalHostStatusTracker.reportHostStatus(hostSpec(primary), HostStatus.ConnectFail);
            MultiHostLogin.forgetRefusals(url, credential(NEW));

            try (Connection connection = driver.connect(url, credential(NEW));
                 ResultSet rows = connection.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getBoolean(1)).as("on the primary").isFalse();
            }
        });
    }

    /**
     * A read pool on {@code preferSecondary} after the password changed on the primary and the standby replayed it:
     * with both hosts of unknown type, pgjdbc tries each as a possible secondary, both refuse the old password, and
     * its second pass (any host) skips both as failed: it reports no server of the type, not the refusal. The
     * host-by-host look finds the refusal, so the pool's other logins wait for NEXT instead of trying the old password
     * themselves; with NEXT it gives a connection to the standby, as {@code preferSecondary} asks.
     */
    @Test
    void theRejectionPgjdbcDropsForAPreferSecondaryPoolIsFoundOnTheStandby() throws Exception {
        primary.setPassword(ROLE, NEW);
        try {
            standby.awaitReplayed(primary.currentWalLsn());
            String url = PostgresServer.multiHostJdbcUrl("preferSecondary", primary, standby);
            SQLException failure = assertTheRefusalIsRevealed(url, primary);
            forget(primary, standby);
            try (Connection connection = MultiHostLogin.hostByHost(driver, url, credential(NEW), failure);
                 ResultSet rows = connection.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getBoolean(1)).as("on the standby, as preferSecondary asks").isTrue();
            }
        } finally {
            primary.setPassword(ROLE, OLD);
            standby.awaitReplayed(primary.currentWalLsn());
            forget(primary, standby);
        }
    }

    @Test
    void noHostOfTheTypeAndNoneRefusingTheCredentialLeavesTheFailureAsItWas() throws Exception {
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

        SQLException after = catchThrowableOfType(SQLException.class,
                () -> MultiHostLogin.hostByHost(driver, url, properties, failure));
        assertThat((Object) after).isSameAs(failure);
    }

    @Test
    void aSingleHostFailureIsLeftAlone() {
        String url = primary.jdbcUrl();
        Properties properties = credential(NEW);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));

        SQLException after = catchThrowableOfType(SQLException.class,
                () -> MultiHostLogin.hostByHost(driver, url, properties, failure));
        assertThat((Object) after).isSameAs(failure);
    }

    /** A step the standby's lag is for; it may throw what the driver throws. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} with replay paused and NEW set on the primary; then OLD everywhere again. */
    private static void whileTheStandbyLagsBehindAPasswordChange(Step step) throws Exception {
        standby.pauseReplay(true);
        try {
            primary.setPassword(ROLE, NEW);
            step.run();
        } finally {
            primary.setPassword(ROLE, OLD);
            standby.pauseReplay(false);
            standby.awaitReplayed(primary.currentWalLsn());
        }
    }

    /**
     * With both hosts unknown to pgjdbc, a login with OLD ends in pgjdbc's "no server of the type" (08001, not an
     * authentication failure); the host-by-host look turns it into {@code refusedBy}'s rejection.
     *
     * @return pgjdbc's failure
     */
    private SQLException assertTheRefusalIsRevealed(String url, PostgresServer refusedBy) {
        Properties properties = credential(OLD);
        forget(primary, standby);
        SQLException failure = catchThrowableOfType(SQLException.class, () -> driver.connect(url, properties));
        assertThat(failure.getSQLState()).as(String.valueOf(failure)).isEqualTo("08001");
        assertThat(new PostgresAuthFailureClassifier().isAuthenticationFailure(failure)).isFalse();

        SQLException revealed = catchThrowableOfType(SQLException.class,
                () -> MultiHostLogin.hostByHost(driver, url, properties, failure));

        assertThat(revealed.getSQLState()).isEqualTo("28P01");
        assertThat(revealed.getMessage()).contains(refusedBy.host() + ":" + refusedBy.port(), ROLE)
                .doesNotContain(OLD, NEW);
        assertThat(revealed.getSuppressed()).containsExactly(failure);
        assertThat(new PostgresAuthFailureClassifier().isAuthenticationFailure(revealed)).isTrue();
        return failure;
    }

    private static void forget(PostgresServer... servers) {
        for (PostgresServer server : servers) {
            // Unknown to the cache (a status older than hostRecheckSeconds counts as unknown).
            GlobalHostStatusTracker.reportHostStatus(hostSpec(server), HostStatus.ConnectOK);
        }
    }

    private static HostSpec hostSpec(PostgresServer server) {
        return new HostSpec(server.host(), server.port());
    }

    private static Properties credential(String password) {
        Properties properties = new Properties();
        properties.setProperty("user", ROLE);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        return properties;
    }
}
