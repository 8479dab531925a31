package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A PostgreSQL server that accepts TLS: verify-full against its certificate, and the plain path beside it. */
class PostgresTlsServerTest {

    @AutoClose
    private static final PostgresServer server = PostgresServer.startNewWithTls();

    @Test
    void verifyFullAgainstTheServersCertificateGivesAnEncryptedSession() throws SQLException {
        String role = Names.unique("tls");
        server.createLoginRole(role, "tls-secret");
        try (Connection connection = connect(role, "tls-secret",
                "sslmode=verify-full&sslrootcert=" + server.tlsCertificate())) {
            assertThat(encrypted(connection)).isTrue();
        }
        try (Connection plain = server.connect(role, "tls-secret")) {
            assertThat(encrypted(plain)).as("the admin path stays plain").isFalse();
        }
    }

    @Test
    void aClientTrustingAnotherCertificateIsRefusedBeforeItLogsIn(@TempDir Path elsewhere) {
        String role = Names.unique("untrusted");
        server.createLoginRole(role, "tls-secret");
        SelfSignedTls.createIn(elsewhere);
        Path otherRoot = elsewhere.resolve(SelfSignedTls.CERTIFICATE_FILE);
        assertThatThrownBy(() -> connect(role, "tls-secret", "sslmode=verify-full&sslrootcert=" + otherRoot).close())
                .isInstanceOf(SQLException.class)
                .satisfies(failure -> assertThat(((SQLException) failure).getSQLState()).isEqualTo("08006"))
                .hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(server.authenticationFailures(role)).isZero();
    }

    @Test
    void aServerStartedWithoutTlsSaysSo() {
        assertThatThrownBy(() -> PostgresServer.shared().tlsCertificate()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("startNewWithTls");
    }

    private static Connection connect(String role, String password, String parameters) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", role);
        properties.setProperty("password", password);
        String url = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + server.database() + "?"
                + parameters;
        return DriverManager.getConnection(url, properties);
    }

    private static boolean encrypted(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            result.next();
            return result.getBoolean(1);
        }
    }
}
