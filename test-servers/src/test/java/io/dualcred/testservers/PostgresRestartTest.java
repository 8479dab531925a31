package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/** Uses a private server, since it stops it. */
class PostgresRestartTest {

    @Test
    void restartKeepsPortRolesPasswordsAndFailureCounts() throws SQLException {
        Path dataRoot;
        try (PostgresServer server = PostgresServer.startNew()) {
            assertThat(server).isNotSameAs(PostgresServer.shared());
            int port = server.port();
            server.createLoginRole("app", "pässwörd ☃");
            assertThatThrownBy(() -> server.connect("app", "wrong").close()).isInstanceOf(SQLException.class);
            Connection open = server.connect("app", "pässwörd ☃");

            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThat(open.isValid(2)).isFalse();
            open.close();
            assertThatThrownBy(() -> server.connect("app", "pässwörd ☃").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"));

            server.start();
            assertThat(server.port()).isEqualTo(port);
            try (Connection again = server.connect("app", "pässwörd ☃")) {
                assertThat(again.isValid(5)).isTrue();
            }
            assertThat(server.authenticationFailures("app")).isEqualTo(1);

            server.restart();
            server.connect("app", "pässwörd ☃").close();
            dataRoot = Path.of(server.query("SELECT current_setting('data_directory') AS dir").get(0).get("dir")
                    .toString());
        }
        assertThat(Files.exists(dataRoot)).as("close deletes the data directory").isFalse();
    }
}
