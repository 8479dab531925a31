package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code pg_stat_activity.application_name} shows which version of the credential each session logged in with,
 * after the application's own name, which stays readable inside the session too.
 */
class SessionTagTest {

    private final PostgresServer server = PostgresServer.shared();

    private List<String> applicationNames(String role) {
        return server.sessions(role).stream().map(PostgresServer.Session::applicationName).toList();
    }

    @Test
    void applicationNameShowsTheCredentialVersionAndFollowsThePromotion() throws Exception {
        String role = Fixtures.uniqueRole("tag");
        String current = Fixtures.password();
        String next = Fixtures.password();
        server.createLoginRole(role, current);
        AtomicReference<CredentialSet> secrets =
                new AtomicReference<>(CredentialSet.of(Credential.of(role, current).withVersion("6")));

        // The application names itself in the URL: pgjdbc would let that override the tagged property.
        try (DualCredentialDataSource pool = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl() + (server.jdbcUrl().contains("?") ? "&" : "?") + "ApplicationName=orders-api")
                .maximumPoolSize(2)
                .credentialSource(Fixtures.mutableSource("tag", secrets))
                .rotation(RotationConfig.custom().replacementWindow(Duration.ofMillis(200)).build())
                .build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> applicationNames(role).size() == 2);
            assertThat(applicationNames(role)).containsOnly("orders-api [dualcred:v6]");
            try (Connection connection = pool.getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet name = statement.executeQuery("SHOW application_name")) {
                assertThat(name.next()).isTrue();
                assertThat(name.getString(1)).isEqualTo("orders-api [dualcred:v6]");
                assertThat(connection.getClientInfo("ApplicationName")).startsWith("orders-api");
            }

            server.setPassword(role, next);
            secrets.set(CredentialSet.of(Credential.of(role, next).withVersion("7")));
            pool.refresh();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(applicationNames(role))
                    .hasSize(2).containsOnly("orders-api [dualcred:v7]"));
        }
    }

    @Test
    void withTaggingOffTheApplicationNameIsTheApplicationsOwn() throws Exception {
        String role = Fixtures.uniqueRole("untagged");
        String current = Fixtures.password();
        server.createLoginRole(role, current);

        try (DualCredentialDataSource pool = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .maximumPoolSize(1)
                .dataSourceProperty("ApplicationName", "orders-api")
                .credentialSource(Fixtures.mutableSource("untagged",
                        new AtomicReference<>(CredentialSet.of(Credential.of(role, current).withVersion("6")))))
                .rotation(RotationConfig.custom().tagSessions(false).build())
                .build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> applicationNames(role).size() == 1);
            assertThat(applicationNames(role)).containsExactly("orders-api");
        }
    }
}
