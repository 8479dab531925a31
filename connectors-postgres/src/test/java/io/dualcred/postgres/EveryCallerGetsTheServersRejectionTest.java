package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.testservers.PacedCallers;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.util.PSQLException;

/**
 * Issue 16: when every credential is rejected, each caller's exception keeps the server's reply to the last login
 * tried (its SQLState, 28P01 or 28000, its message, and pgjdbc's exception in the cause chain), however the caller met
 * the rejection: woken while waiting for the login round, failed at once during the backoff, after a bounded wait,
 * or by HikariCP's {@code connectionTimeout} while the pool still held a connection. No password appears in any of
 * it.
 */
class EveryCallerGetsTheServersRejectionTest {

    private static final int CALLERS = 8;

    private final PostgresServer server = PostgresServer.shared();

    /** How the server refuses a role that the source offers with the password the server has for it. */
    enum Refusal {
        /** The password was changed on the server: 28P01. */
        WRONG_PASSWORD("28P01", "password authentication failed for user \"%s\""),
        /** The role lost LOGIN: 28000, sent only once the password was accepted. */
        NOLOGIN("28000", "role \"%s\" is not permitted to log in");

        final String sqlState;
        final String reply;

        Refusal(String sqlState, String reply) {
            this.sqlState = sqlState;
            this.reply = reply;
        }

        void applyTo(PostgresServer server, String role) {
            if (this == WRONG_PASSWORD) {
                server.setPassword(role, Fixtures.password());
            } else {
                server.setLogin(role, false);
            }
        }
    }

    /** How CURRENT and NEXT are refused; what callers must get is the refusal of the last one tried, NEXT. */
    enum Scenario {
        BOTH_PASSWORDS_WRONG(Refusal.WRONG_PASSWORD, Refusal.WRONG_PASSWORD),
        BOTH_ROLES_NOLOGIN(Refusal.NOLOGIN, Refusal.NOLOGIN),
        CURRENT_PASSWORD_WRONG_NEXT_ROLE_NOLOGIN(Refusal.WRONG_PASSWORD, Refusal.NOLOGIN);

        final Refusal current;
        final Refusal next;

        Scenario(Refusal current, Refusal next) {
            this.current = current;
            this.next = next;
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void callersOfAnEmptyPoolEachGetTheServersStateReplyAndException(Scenario scenario) throws Exception {
        Roles roles = Roles.create(server, "empty");
        roles.refuse(server, scenario);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

        // initializationFailTimeout < 0: the pool starts without logging in, so the first rejection meets the callers.
        try (DualCredentialDataSource dataSource = roles.pool(server, "server-reply-" + scenario)
                .maximumPoolSize(4)
                .initializationFailTimeout(Duration.ofMillis(-1))
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(300), 1.0, Duration.ofMillis(300)).build())
                .build()) {
            AtomicBoolean recording = new AtomicBoolean(true);
            try (PacedCallers callers = PacedCallers.start(CALLERS, Duration.ofMillis(5), () -> {
                try {
                    dataSource.getConnection().close();
                    return true;
                } catch (SQLException expected) {
                    if (recording.get()) {
                        failures.add(expected);
                    }
                    return false;
                }
            })) {
                // The first round meets callers already waiting; the next ones meet callers failing fast during the
                // backoff or waiting briefly for the round after it.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> dataSource.status().counters().allRejectedRounds() >= 3);
                recording.set(false);
                assertThat(callers.firstSuccess()).isEmpty();
            }
        }

        assertThat(failures).hasSizeGreaterThanOrEqualTo(CALLERS);
        for (Throwable failure : failures) {
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(((SQLException) failure).getSQLState()).as(Fixtures.describe(failure))
                    .isEqualTo(scenario.next.sqlState);
            assertThat(failure.getMessage())
                    .contains("server-reply-" + scenario, "CURRENT " + roles.current, "NEXT " + roles.next)
                    .contains(scenario.next.reply.formatted(roles.next));
            roles.assertCarriesTheServersReply(failure, scenario.next);
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void callersTimedOutByHikariWhileThePoolHoldsAConnectionGetTheServersStateAndException(Scenario scenario)
            throws Exception {
        Roles roles = Roles.create(server, "timeout");

        // One connection, held: the pool is not empty, so callers wait in HikariCP until connectionTimeout.
        try (DualCredentialDataSource dataSource = roles.pool(server, "hikari-timeout-" + scenario)
                .maximumPoolSize(2)
                .minimumIdle(0)
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
             Connection held = dataSource.getConnection()) {
            roles.refuse(server, scenario);
            List<Future<SQLException>> callers = startTogether(() -> {
                try {
                    dataSource.getConnection().close();
                    throw new AssertionError("getConnection() succeeded");
                } catch (SQLException expected) {
                    return expected;
                }
            });

            for (Future<SQLException> caller : callers) {
                SQLException failure = caller.get(30, TimeUnit.SECONDS);
                assertThat((Throwable) failure).as(Fixtures.describe(failure))
                        .isInstanceOf(SQLTransientConnectionException.class);
                assertThat(failure.getSQLState()).isEqualTo(scenario.next.sqlState);
                assertThat(Fixtures.describe(failure)).contains("CURRENT " + roles.current, "NEXT " + roles.next);
                roles.assertCarriesTheServersReply(failure, scenario.next);
            }
            assertThat(held.isValid(5)).as("the session opened before the refusal").isTrue();
        }
    }

    private static <T> List<Future<T>> startTogether(Callable<T> caller) {
        ExecutorService threads = Executors.newFixedThreadPool(CALLERS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            callers.add(threads.submit(() -> {
                start.await();
                return caller.call();
            }));
        }
        threads.shutdown();
        start.countDown();
        return callers;
    }

    /** @return every exception in the cause and next-exception chains, each once */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> pending = new ArrayDeque<>(List.of(failure));
        List<Throwable> chain = new ArrayList<>();
        while (!pending.isEmpty()) {
            Throwable current = pending.poll();
            if (!seen.add(current)) {
                continue;
            }
            chain.add(current);
            if (current.getCause() != null) {
                pending.add(current.getCause());
            }
            if (current instanceof SQLException sql && sql.getNextException() != null) {
                pending.add(sql.getNextException());
            }
        }
        return chain;
    }

    /**
     * Two roles with their passwords, offered by the source as CURRENT and NEXT.
     *
     * @param current the role in CURRENT
     * @param next the role in NEXT
     * @param passwords every password the test handed out, right or wrong, to scan for
     * @param secrets what the source offers
     */
    private record Roles(String current, String next, List<String> passwords,
                         AtomicReference<CredentialSet> secrets) {

        static Roles create(PostgresServer server, String prefix) {
            String current = Fixtures.uniqueRole(prefix + "_current");
            String next = Fixtures.uniqueRole(prefix + "_next");
            String currentPassword = Fixtures.password();
            String nextPassword = Fixtures.password();
            server.createLoginRole(current, currentPassword);
            server.createLoginRole(next, nextPassword);
            return new Roles(current, next, List.of(currentPassword, nextPassword), new AtomicReference<>(
                    CredentialSet.of(Credential.of(current, currentPassword), Credential.of(next, nextPassword))));
        }

        DualCredentialDataSource.Builder pool(PostgresServer server, String poolName) {
            return DualCredentialDataSource.builder()
                    .jdbcUrl(server.jdbcUrl())
                    .poolName(poolName)
                    .credentialSource(Fixtures.mutableSource(poolName, secrets));
        }

        void refuse(PostgresServer server, Scenario scenario) {
            scenario.current.applyTo(server, current);
            scenario.next.applyTo(server, next);
        }

        /** pgjdbc's exception with the server's reply is in the chain, and no password is anywhere in it. */
        void assertCarriesTheServersReply(Throwable failure, Refusal refusal) {
            assertThat(chain(failure)).as(Fixtures.describe(failure))
                    .anySatisfy(cause -> assertThat(cause).isInstanceOfSatisfying(PSQLException.class, reply -> {
                        assertThat(reply.getServerErrorMessage()).isNotNull();
                        assertThat(reply.getServerErrorMessage().getSQLState()).isEqualTo(refusal.sqlState);
                        assertThat(reply.getMessage()).contains(refusal.reply.formatted(next));
                    }));
            assertThat(Fixtures.describe(failure)).doesNotContain(passwords);
        }
    }
}
