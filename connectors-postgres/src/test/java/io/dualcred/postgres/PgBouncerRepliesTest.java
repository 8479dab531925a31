package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.postgres.internal.PostgresAuthFailureClassifier;
import io.dualcred.testservers.PgBouncerServer;
import io.dualcred.testservers.PgBouncerServer.AuthSetup;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PgBouncer's real replies, each classified on purpose: those that refuse the client's credential make the pool try
 * the other one, those about the pooler (pool full, too many clients, server down, a server login failing with the
 * pooler's own stored credential) change nothing. PgBouncer 1.18 sends SQLState {@code 08P01} for all of them, so
 * the exact text matters; these tests pin it. Needs PgBouncer and psql (Maven profile {@code pgbouncer}).
 */
@Tag("pgbouncer")
@PoolIndependent
class PgBouncerRepliesTest {

    private static final String ROLE = "app";

    private final PostgresAuthFailureClassifier classifier = new PostgresAuthFailureClassifier();

    @Test
    void aWrongPasswordAndAnUnknownUserAreRefusalsOfTheCredentialWithEitherSetUp() throws SQLException {
        for (AuthSetup setup : AuthSetup.values()) {
            try (PostgresServer backend = PostgresServer.startNew();
                 PgBouncerServer pooler = startWithRole(backend, setup, 20, 100)) {
                SQLException wrongPassword = loginFails(pooler, ROLE, "wrong");
                assertReply(wrongPassword, "FATAL: SASL authentication failed", true);

                SQLException unknownUser = loginFails(pooler, "nobody_here", "whatever");
                assertReply(unknownUser, setup == AuthSetup.AUTH_FILE ? "FATAL: SASL authentication failed"
                        : "FATAL: bouncer config error", true);
                assertThat(pooler.authenticationFailures(ROLE)).as(setup + " rejected logins in PgBouncer's log")
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aRoleThatMayNotLogInIsRefusedByTheAuthQuery() throws SQLException {
        try (PostgresServer backend = PostgresServer.startNew();
             PgBouncerServer pooler = startWithRole(backend, AuthSetup.AUTH_QUERY, 20, 100)) {
            backend.setLogin(ROLE, false);

            assertReply(loginFails(pooler, ROLE, "one"), "FATAL: bouncer config error", true);
        }
    }

    @Test
    void aServerLoginFailingWithThePoolersStoredCredentialIsNotARefusalOfTheClients() throws SQLException {
        try (PostgresServer backend = PostgresServer.startNew();
             PgBouncerServer pooler = startWithRole(backend, AuthSetup.AUTH_FILE, 20, 100)) {
            backend.setPassword(ROLE, "two"); // the auth_file still holds the verifier of "one"

            // PostgreSQL's reply to PgBouncer's server login, passed on under PgBouncer's own SQLState
            assertReply(loginFails(pooler, ROLE, "one"), "FATAL: password authentication failed for user \"app\"",
                    false);
        }
    }

    @Test
    void aFullPoolTooManyClientsAndAServerDownAreNotAuthenticationFailures() throws SQLException {
        try (PostgresServer backend = PostgresServer.startNew();
             PgBouncerServer onePerPool = startWithRole(backend, AuthSetup.AUTH_FILE, 1, 100);
             PgBouncerServer oneClient = startWithoutRole(backend, AuthSetup.AUTH_FILE, 20, 1)) {
            try (Connection holder = onePerPool.connect(ROLE, "one")) {
                assertThat(holder.isValid(5)).as("holds the only server connection (session pooling)").isTrue();
                assertReply(loginFails(onePerPool, ROLE, "one"), "FATAL: query_wait_timeout", false);
            }
            try (Connection holder = oneClient.connect(ROLE, "one")) {
                assertReply(loginFails(oneClient, ROLE, "one"), "FATAL: no more connections allowed (max_client_conn)",
                        false);
            }

            backend.stop();
            // PgBouncer keeps the first client waiting while it retries; once a retry has failed, it answers at once.
            assertReply(loginFails(onePerPool, ROLE, "one"), "FATAL: query_wait_timeout", false);
            assertReply(loginFails(onePerPool, ROLE, "one"),
                    "FATAL: server login has been failing, try again later (server_login_retry)", false);
        }
    }

    /** PgBouncer in front of {@code backend} with the role {@value #ROLE} (password {@code one}) known to both. */
    private static PgBouncerServer startWithRole(PostgresServer backend, AuthSetup setup, int poolSize,
                                                 int maxClients) {
        backend.createLoginRole(ROLE, "one");
        return startWithoutRole(backend, setup, poolSize, maxClients);
    }

    /** PgBouncer in front of {@code backend}, which has the role {@value #ROLE} already. */
    private static PgBouncerServer startWithoutRole(PostgresServer backend, AuthSetup setup, int poolSize,
                                                    int maxClients) {
        PgBouncerServer pooler = PgBouncerServer.startNew(backend, setup, poolSize, maxClients);
        if (setup == AuthSetup.AUTH_FILE) {
            pooler.copyVerifierFromServer(ROLE);
            pooler.admin("RELOAD");
        }
        return pooler;
    }

    /** Logs in and runs a statement, as HikariCP does with a new connection; returns what that threw. */
    private static SQLException loginFails(PgBouncerServer pooler, String user, String password) {
        try (Connection connection = pooler.connect(user, password); Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("the login of " + user + " through PgBouncer succeeded");
    }

    private void assertReply(SQLException failure, String message, boolean authenticationFailure) {
        assertThat(failure.getSQLState()).as(failure.getMessage()).isEqualTo("08P01");
        assertThat(failure.getMessage()).startsWith(message);
        assertThat(classifier.isAuthenticationFailure(failure)).as(message).isEqualTo(authenticationFailure);
    }
}
