package io.dualcred.postgres;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.testservers.PostgresServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** Names, secrets and server look-ups shared by the tests. */
final class Fixtures {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Fixtures() {
    }

    /** @return a role name no other test uses, e.g. {@code app_3f9a1c} */
    static String uniqueRole(String prefix) {
        return prefix + "_" + hex(4);
    }

    /** @return a random password */
    static String password() {
        return "pw-" + hex(12);
    }

    /**
     * @param secrets what the secret store holds; tests change it while the pool runs
     * @return a source that reads {@code secrets} on every load, described as {@code test:<name>}
     */
    static CredentialSource mutableSource(String name, AtomicReference<CredentialSet> secrets) {
        return new CredentialSource() {
            @Override
            public CredentialSet load() {
                return secrets.get();
            }

            @Override
            public String description() {
                return "test:" + name;
            }
        };
    }

    /**
     * Step 1 of the runbook: creates the role with its current password and stages the new one as NEXT.
     *
     * @return what the secret store holds: CURRENT with the old password, NEXT with the new one
     */
    static AtomicReference<CredentialSet> stagedRotation(PostgresServer server, String role, String oldPassword,
                                                         String newPassword) {
        server.createLoginRole(role, oldPassword);
        return new AtomicReference<>(
                CredentialSet.of(Credential.of(role, oldPassword), Credential.of(role, newPassword)));
    }

    /**
     * Retires one connection of the pool, as {@code maxLifetime} does in production, so that the pool logs in again:
     * the moment a running pool meets a changed password.
     */
    static void retireOneConnection(DataSource pool) throws SQLException {
        try (Connection retiring = pool.getConnection()) {
            if (pool instanceof HikariDataSource hikari) {
                hikari.evictConnection(retiring);
            } else {
                ((DualCredentialDataSource) pool).evictConnection(retiring);
            }
        }
    }

    /**
     * Retires one connection ({@link #retireOneConnection}) and waits for the pool's first switch.
     *
     * @return the status right after the switch
     */
    static RotationStatus retireOneConnectionAndAwaitSwitch(DualCredentialDataSource pool) throws SQLException {
        retireOneConnection(pool);
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.status().counters().switches() == 1);
        return pool.status();
    }

    /** @return the server's clock now, the clock {@code backend_start} is measured with */
    static Instant serverNow(PostgresServer server) {
        Object now = server.query("SELECT clock_timestamp() AS now").get(0).get("now");
        return ((Timestamp) now).toInstant();
    }

    /** @return the process ids of the role's open sessions */
    static Set<Integer> sessionPids(PostgresServer server, String role) {
        return server.sessions(role).stream().map(PostgresServer.Session::pid).collect(Collectors.toSet());
    }

    /** @return the exception's stack trace with every cause, next exception and suppressed exception */
    static String describe(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                for (SQLException next = sql.getNextException(); next != null; next = next.getNextException()) {
                    next.printStackTrace(new PrintWriter(text));
                }
            }
        }
        return text.toString();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
