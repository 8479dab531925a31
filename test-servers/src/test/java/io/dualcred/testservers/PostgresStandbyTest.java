package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/** A primary with a streaming standby: replication of password changes, paused replay, promotion. */
class PostgresStandbyTest {

    @Test
    void standbyFollowsThePrimaryLagsWhilePausedAndBecomesPrimaryWhenPromoted() throws SQLException {
        try (PostgresServer primary = PostgresServer.startNewPrimary();
             PostgresServer standby = primary.startStandby()) {
            assertThat(standby.port()).isNotEqualTo(primary.port());
            assertThat(primary.inRecovery()).isFalse();
            assertThat(standby.inRecovery()).isTrue();

            primary.createLoginRole("app", "first ☃");
            standby.awaitReplayed(primary.currentWalLsn());
            try (Connection reader = standby.connect("app", "first ☃")) {
                assertThat(reader.isValid(5)).isTrue();
            }

            standby.pauseReplay(true);
            primary.setPassword("app", "second");
            String changed = primary.currentWalLsn();
            assertThat(standby.hasReplayed(changed)).as("a paused standby lags").isFalse();
            assertThatThrownBy(() -> standby.connect("app", "second").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            standby.connect("app", "first ☃").close();

            standby.pauseReplay(false);
            standby.awaitReplayed(changed);
            standby.connect("app", "second").close();
            assertThatThrownBy(() -> standby.connect("app", "first ☃").close()).isInstanceOf(SQLException.class);

            try (Connection readOnly = standby.connect("app", "second"); Statement sql = readOnly.createStatement()) {
                assertThatThrownBy(() -> sql.execute("CREATE TEMP TABLE t (id int)"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
            }

            primary.stop();
            standby.promote();
            assertThat(standby.inRecovery()).isFalse();
            try (Connection writer = standby.connect("app", "second"); Statement sql = writer.createStatement()) {
                sql.execute("CREATE TEMP TABLE promoted (id int)");
            }
            assertThat(PostgresServer.multiHostJdbcUrl("primary", primary, standby))
                    .isEqualTo("jdbc:postgresql://localhost:" + primary.port() + ",localhost:" + standby.port()
                            + "/postgres?sslmode=disable&targetServerType=primary&hostRecheckSeconds=1");
        }
    }
}
