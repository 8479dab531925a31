package io.dualcred.integration.runbook;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.failover.SqlPool;
import io.dualcred.integration.runbook.RunbookOperator.Procedure;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PgBouncerServer;
import io.dualcred.testservers.PgBouncerServer.AuthSetup;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Section 10 of the runbook through a real PgBouncer ({@code auth_type = scram-sha-256}), in both set-ups, while a
 * dualcred pool serves 8 threads through it; and PgBouncer's answers when every credential is wrong, when its pool
 * is full and when the server is down. Needs PgBouncer and psql: Maven profile {@code pgbouncer}.
 */
@Tag("pgbouncer")
@ExtendWith(NoSecretLeaks.class)
class PgBouncerRotationProcedureTest {

    /** The runbook procedures this class runs. */
    static final List<String> PROCEDURES = List.of("pgbouncer-auth-query", "pgbouncer-auth-file");

    private static final Logger LOG = LoggerFactory.getLogger(PgBouncerRotationProcedureTest.class);
    private static final int THREADS = 8;
    private static final int POOL_SIZE = 8;
    private static final long PROGRESS = 200;
    private static final String CURRENT = Sentinels.awkwardPassword();
    private static final String NEXT = Sentinels.password("next");
    private static final Runbook RUNBOOK = Runbook.load();
    private static final AtomicInteger ROLES = new AtomicInteger();

    private static PostgresServer backend;

    @BeforeAll
    static void startPostgres() {
        backend = PostgresServer.startNew();
    }

    @AfterAll
    static void stopPostgres() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void authQueryRotationByTheRunbookFailsNoOperation() throws Exception {
        rotateByTheRunbook(AuthSetup.AUTH_QUERY, "pgbouncer-auth-query");
    }

    @Test
    void authFileRotationByTheRunbookFailsNoOperation() throws Exception {
        rotateByTheRunbook(AuthSetup.AUTH_FILE, "pgbouncer-auth-file");
    }

    private static void rotateByTheRunbook(AuthSetup setup, String procedureName) throws Exception {
        String role = newRole(CURRENT);
        try (PgBouncerServer pooler = startPooler(setup, role, 20, 100);
             RunbookOperator operator = new RunbookOperator(RUNBOOK, PgBouncerRotationProcedureTest::psql)) {
            MutableSource store = MutableSource.holding(procedureName, Credential.of(role, CURRENT));
            try (SqlPool pool = SqlPool.dualcred(procedureName, pooler.jdbcUrl(), store, POOL_SIZE, "SELECT 1");
                 Load load = Load.start(pool, THREADS)) {
                load.awaitSuccesses(PROGRESS);
                // Section 4, step 1
                store.set(Credential.of(role, CURRENT), Credential.of(role, NEXT));
                assertThat(pool.refresh().nextStaged()).isTrue();
                // Section 10
                Procedure procedure = operator.procedure(procedureName);
                operator.variables.put("app_role", role);
                operator.variables.put("next_password", PasswordUtil.encodeScramSha256(NEXT.toCharArray()));
                procedure.sql("change-password");
                if (setup == AuthSetup.AUTH_FILE) {
                    procedure.sql("new-verifier");
                    assertThat(operator.variables.get("new_verifier")).startsWith("SCRAM-SHA-256$");
                    pooler.setAuthFileEntry(role, operator.variables.get("new_verifier"));
                    procedure.console("reload", pooler);
                }
                procedure.finish();
                load.awaitSuccesses(PROGRESS);
                // Section 4, steps 4 and 5
                pool.evictConnections();
                awaitSlot(pool, Slot.NEXT);
                assertThat(pool.loggedInAs()).isEqualTo(role);
                store.set(Credential.of(role, NEXT));
                pool.refresh();
                awaitSlot(pool, Slot.CURRENT);
                load.awaitSuccesses(PROGRESS);

                RotationStatus status = pool.status();
                LOG.info("PgBouncer {} rotation: {} ok / {} failed, rejected logins {} (PgBouncer's log: {}), server "
                                + "logins PgBouncer failed {}", setup, load.successes(), load.failures(),
                        status.counters().rejectedLogins(), pooler.authenticationFailures(role),
                        pooler.serverLog().lines().filter(line -> line.contains("S: login failed")).count());
                assertThat(load.someFailures()).as("failed operations").isEmpty();
                assertThat(load.failures()).isZero();
                // One rejected login per switch, sometimes two: after the password change PgBouncer may hold its server
                // logins back for server_login_retry (its pass-through keys were the old password's until a client
                // proves the new one), so the recovery's login with NEXT waits up to a second, and a login of another
                // thread that started with CURRENT just before the switch meets the rejection too.
                assertThat(status.counters().rejectedLogins()).as("rejected logins").isBetween(1L, 2L);
                assertThat(pooler.authenticationFailures(role)).as("rejections in PgBouncer's log")
                        .isEqualTo(status.counters().rejectedLogins());
                assertThat(pooler.serverLog()).doesNotContain(Sentinels.START).doesNotContain(Sentinels.END);
            }
        }
    }

    @Test
    void everyCredentialRejectedByPgBouncerFailsPromptlyWithTheDocumentedError() throws Exception {
        for (AuthSetup setup : AuthSetup.values()) {
            String role = newRole(CURRENT);
            try (PgBouncerServer pooler = startPooler(setup, role, 20, 100)) {
                MutableSource store = MutableSource.holding("wrong", Credential.of(role, "wrong one"));
                store.set(Credential.of(role, "wrong one"), Credential.of(role, "wrong two"));
                try (SqlPool pool = SqlPool.dualcred("bouncer-all-rejected-" + setup, pooler.jdbcUrl(), store, 4,
                        "SELECT 1", false)) {
                    long start = System.nanoTime();
                    Throwable failure = null;
                    try {
                        pool.operation(0);
                    } catch (SQLException e) {
                        failure = e;
                    }
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    LOG.info("PgBouncer {}, every credential wrong: {} after {} ms", setup,
                            failure == null ? "no failure" : failure.getClass().getSimpleName() + " "
                                    + ((SQLException) failure).getSQLState() + ": " + failure.getMessage(),
                            took.toMillis());
                    assertThat(failure).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
                    assertThat(pool.isEveryCredentialRejected(failure)).as(String.valueOf(failure)).isTrue();
                    assertThat(((SQLException) failure).getSQLState()).isEqualTo("08P01");
                    assertThat(failure.getMessage()).contains("CURRENT " + role, "NEXT " + role)
                            .doesNotContain("wrong one", "wrong two");
                    assertThat(took).as("the caller learns it promptly").isLessThan(Duration.ofSeconds(1));
                    assertThat(pool.status().backingOff()).isTrue();
                }
            }
        }
    }

    @Test
    void pgBouncersOwnErrorsNeverChangeTheCredential() throws Exception {
        String role = newRole(CURRENT);
        try (PostgresServer server = PostgresServer.startNew()) {
            server.createLoginRole(role, CURRENT);
            // Two server connections for a pool of four: PgBouncer makes the other two logins wait, then fail.
            try (PgBouncerServer pooler = PgBouncerServer.startNew(server, AuthSetup.AUTH_FILE, 2, 100)) {
                pooler.copyVerifierFromServer(role);
                pooler.admin("RELOAD");
                MutableSource store = MutableSource.holding("bouncer-errors", Credential.of(role, CURRENT));
                store.set(Credential.of(role, CURRENT), Credential.of(role, NEXT)); // staged, and refused if tried
                try (SqlPool pool = SqlPool.dualcred("bouncer-errors", pooler.jdbcUrl(), store, 4, "SELECT 1");
                     Load load = Load.start(pool, 4)) {
                    load.awaitSuccesses(PROGRESS);
                    eventually("PgBouncer to refuse a login with query_wait_timeout").until(() ->
                            pooler.serverLog().contains("query_wait_timeout"));
                    load.awaitSuccesses(PROGRESS);

                    server.stop();
                    load.awaitFailures(1);
                    eventually("PgBouncer to answer server_login_retry").until(() ->
                            pooler.serverLog().contains("server_login_retry"));
                    server.start();
                    eventually("the pool to serve again").atMost(Duration.ofSeconds(60)).until(() -> {
                        Load.Checkpoint now = load.checkpoint();
                        return load.successes() > 0 && pool.connections() > 0 && now.successes() > 0;
                    });
                    Load.Checkpoint back = load.checkpoint();
                    eventually("operations to succeed after the server came back").atMost(Duration.ofSeconds(60))
                            .until(() -> load.successesSince(back) >= PROGRESS);

                    RotationStatus status = pool.status();
                    LOG.info("PgBouncer's own errors: {} ok / {} failed, rejected logins {}, switches {}, events {}",
                            load.successes(), load.failures(), status.counters().rejectedLogins(),
                            status.counters().switches(),
                            pool.events().stream().map(event -> event.getClass().getSimpleName()).toList());
                    assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
                    assertThat(status.counters().switches()).as("switches").isZero();
                    assertThat(status.counters().rejectedLogins()).as("rejected logins").isZero();
                    assertThat(pool.events()).noneMatch(event -> event instanceof RotationEvent.CredentialRejected
                            || event instanceof RotationEvent.CredentialSwitched
                            || event instanceof RotationEvent.AllRejected);
                    assertThat(pooler.authenticationFailures(role)).isZero();
                }
            }
        }
    }

    private static String newRole(String password) {
        String role = "bouncer_app_" + ROLES.incrementAndGet();
        backend.createLoginRole(role, password);
        return role;
    }

    /** PgBouncer in front of the class's server, knowing {@code role}'s verifier in either set-up. */
    private static PgBouncerServer startPooler(AuthSetup setup, String role, int poolSize, int maxClients) {
        PgBouncerServer pooler = PgBouncerServer.startNew(backend, setup, poolSize, maxClients);
        if (setup == AuthSetup.AUTH_FILE) {
            pooler.copyVerifierFromServer(role);
            pooler.admin("RELOAD");
        }
        return pooler;
    }

    private static void awaitSlot(SqlPool pool, Slot slot) {
        eventually(pool.name() + " to use " + slot).until(() -> pool.status().activeSlot() == slot);
    }

    private static Connection psql() {
        try {
            return backend.connect(backend.superuser(), backend.superuserPassword());
        } catch (SQLException e) {
            throw new IllegalStateException("the operator cannot log in: " + e.getMessage(), e);
        }
    }
}
