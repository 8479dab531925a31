package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Uses the shared server; every test creates its own roles. */
class PostgresServerTest {

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void serverIsPostgresWithScramEverywhere() {
        List<Map<String, Object>> settings = server.query("SELECT current_setting('server_version_num')::int AS version,"
                + " current_setting('password_encryption') AS encryption");
        assertThat((Integer) settings.get(0).get("version")).isGreaterThanOrEqualTo(140000);
        assertThat(settings.get(0).get("encryption")).isEqualTo("scram-sha-256");
        assertThat(server.query("SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type LIKE 'host%'"))
                .containsExactly(Map.of("auth_method", "scram-sha-256"));
        assertThat(server.jdbcUrl()).doesNotContain(server.superuserPassword()).contains(":" + server.port() + "/");
    }

    @Test
    void superuserNeedsItsPasswordToo() {
        assertThatThrownBy(() -> server.connect(server.superuser(), "not the password").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void wrongPasswordIsRejectedWith28P01() throws SQLException {
        String role = Names.unique("wrong");
        server.createLoginRole(role, "right");

        assertThatThrownBy(() -> server.connect(role, "wrong").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        try (Connection connection = server.connect(role, "right")) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void passwordChangeRejectsTheOldOneAndAcceptsTheNewOne() throws SQLException {
        String role = Names.unique("change");
        server.createLoginRole(role, "old");
        try (Connection before = server.connect(role, "old")) {
            server.setPassword(role, "new");

            assertThatThrownBy(() -> server.connect(role, "old").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            try (Connection after = server.connect(role, "new")) {
                assertThat(after.isValid(5)).isTrue();
            }
            assertThat(before.isValid(5)).as("sessions opened before the change keep working").isTrue();
        }
    }

    @Test
    void awkwardPasswordsAndRoleNamesWork() throws SQLException {
        for (String password : Names.AWKWARD_PASSWORDS) {
            String role = Names.unique("Rôle \"" + password.substring(0, 3) + "' x");
            server.createLoginRole(role, password);
            server.connect(role, password).close();

            String changed = password + " → " + password;
            server.setPassword(role, changed);
            server.connect(role, changed).close();
            assertThatThrownBy(() -> server.connect(role, password).close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            server.dropRole(role);
        }
    }

    @Test
    void authenticationFailuresCountExactlyTheRejectedLogins() throws SQLException {
        String role = Names.unique("counted \"quoted\" ☃");
        server.createLoginRole(role, "right");
        String unknown = Names.unique("nobody");
        assertThat(server.authenticationFailures(role)).isZero();

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> server.connect(role, "wrong").close()).isInstanceOf(SQLException.class);
        }
        server.connect(role, "right").close();
        assertThatThrownBy(() -> server.connect(unknown, "any").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(server.authenticationFailures(role)).isEqualTo(3);
            assertThat(server.authenticationFailures(unknown)).isEqualTo(1);
        });
    }

    @Test
    void noLoginRoleIsRejectedWith28000() throws SQLException {
        String role = Names.unique("nologin");
        server.createLoginRole(role, "pw");
        server.setLogin(role, false);
        assertThatThrownBy(() -> server.connect(role, "pw").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        server.setLogin(role, true);
        server.connect(role, "pw").close();
    }

    @Test
    void sessionsAreListedAndTerminatedByStartTime() throws SQLException {
        String role = Names.unique("sessions");
        server.createLoginRole(role, "pw");
        try (Connection old = server.connect(role, "pw")) {
            Instant between = server.sessions(role).get(0).backendStart().plusNanos(1_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(between.plusMillis(5)));
            try (Connection young = server.connect(role, "pw")) {
                List<PostgresServer.Session> sessions = server.sessions(role);
                assertThat(sessions).hasSize(2).allSatisfy(session -> {
                    assertThat(session.user()).isEqualTo(role);
                    assertThat(session.database()).isEqualTo(server.database());
                    assertThat(session.applicationName()).isEqualTo("dualcred-test");
                });

                assertThat(server.terminateSessionsStartedBefore(role, between)).isEqualTo(1);
                assertThat(server.sessions(role)).extracting(PostgresServer.Session::pid)
                        .containsExactly(sessions.get(1).pid());
                assertThatThrownBy(() -> select(old))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57P01"));
                select(young);

                assertThat(server.terminateSessions(role)).isEqualTo(1);
                assertThat(server.sessions(role)).isEmpty();
            }
        }
    }

    @Test
    void droppedRoleCannotLogIn() throws SQLException {
        String role = Names.unique("dropped");
        server.createLoginRole(role, "pw");
        Connection open = server.connect(role, "pw");
        server.dropRole(role);

        assertThat(open.isValid(5)).as("dropRole terminates the role's sessions").isFalse();
        open.close();
        assertThatThrownBy(() -> server.connect(role, "pw").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void sharedServerCannotBeStoppedAndIgnoresClose() {
        assertThatThrownBy(server::stop).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(server::restart).isInstanceOf(IllegalStateException.class);
        server.close();
        assertThat(server.isRunning()).isTrue();
        assertThat(PostgresServer.shared()).isSameAs(server);
    }

    private static void select(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
        }
    }
}
