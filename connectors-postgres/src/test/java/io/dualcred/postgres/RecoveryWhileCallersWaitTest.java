package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Callers that enter an empty pool while every credential is rejected wait a bounded time for a login's outcome.
 * When that outcome is a success, a caller that did not get the new connection (another caller did) is served like
 * any caller of a healthy pool, not told with a stale 28P01 that every credential is rejected.
 */
class RecoveryWhileCallersWaitTest {

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void aCallerStillWaitingWhenLoginsSucceedAgainIsServedInsteadOfGettingAStaleRejection() throws Exception {
        String role = Fixtures.uniqueRole("recovering");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        AtomicReference<CredentialSet> secrets =
                new AtomicReference<>(CredentialSet.of(Credential.of(role, Fixtures.password())));
        CountDownLatch recoveryReading = new CountDownLatch(1);
        CountDownLatch releaseRecovery = new CountDownLatch(1);
        AtomicReference<Boolean> holdNextFreshRead = new AtomicReference<>(false);
        CredentialSource source = new CredentialSource() {
            @Override
            public CredentialSet load() {
                return secrets.get();
            }

            @Override
            public CredentialSet loadFresh() throws InterruptedException {
                if (holdNextFreshRead.getAndSet(false)) {
                    recoveryReading.countDown();
                    releaseRecovery.await(10, TimeUnit.SECONDS);
                }
                return secrets.get();
            }
        };

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("recovery-while-waiting")
                .maximumPoolSize(1)
                .connectionTimeout(Duration.ofSeconds(10))
                .initializationFailTimeout(Duration.ofMillis(-1))
                .credentialSource(source)
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(300), 1.0, Duration.ofMillis(300)).build())
                .build()) {
            assertThat(Borrower.borrowOnce(dataSource)).isInstanceOf(SQLException.class);
            secrets.set(CredentialSet.of(Credential.of(role, password)));
            holdNextFreshRead.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !dataSource.status().backingOff());

            // Two callers enter the empty pool while the rejection is still in force; the recovery is under way.
            Borrower first = Borrower.start(dataSource);
            Borrower second = Borrower.start(dataSource);
            assertThat(recoveryReading.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataSource.getHikariPoolMXBean().getThreadsAwaitingConnection() == 2);
            releaseRecovery.countDown();
            // The moment the pool first holds a connection again: the login that recovered happened before it.
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .until(() -> dataSource.getHikariPoolMXBean().getTotalConnections() > 0);
            Instant recovered = Instant.now();

            // The pool holds one connection: one caller gets it and keeps it, the other waits until it is released.
            // A caller whose bounded wait ran out before the recovery may have failed; none may fail after it.
            List<Borrower> callers = List.of(first, second);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                callers.stream().filter(Borrower::done).forEach(Borrower::release);
                return first.done() && second.done();
            });
            for (Borrower caller : callers) {
                assertThat(caller.outcome() instanceof Connection || caller.failedBefore(recovered))
                        .as("a caller still waiting when logins succeeded again got %s", caller.outcome())
                        .isTrue();
            }
        }
    }

    /** A caller that borrows once on its own thread and holds what it got until released. */
    private static final class Borrower {

        private final CountDownLatch finished = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile Object outcome;
        private volatile Instant failedAt;

        static Object borrowOnce(DualCredentialDataSource dataSource) {
            try (Connection connection = dataSource.getConnection()) {
                return connection;
            } catch (SQLException e) {
                return e;
            }
        }

        static Borrower start(DualCredentialDataSource dataSource) {
            Borrower borrower = new Borrower();
            Thread thread = new Thread(() -> {
                try (Connection connection = dataSource.getConnection()) {
                    borrower.outcome = connection;
                    borrower.finished.countDown();
                    borrower.released.await(10, TimeUnit.SECONDS);
                } catch (SQLException | InterruptedException e) {
                    borrower.failedAt = Instant.now();
                    borrower.outcome = e;
                    borrower.finished.countDown();
                }
            }, "recovery-borrower");
            thread.setDaemon(true);
            thread.start();
            return borrower;
        }

        boolean done() {
            return finished.getCount() == 0;
        }

        Object outcome() {
            return outcome;
        }

        /** @return whether it failed before the pool recovered, which the bounded wait allows */
        boolean failedBefore(Instant recovered) {
            return failedAt != null && failedAt.isBefore(recovered);
        }

        void release() {
            released.countDown();
        }
    }
}
