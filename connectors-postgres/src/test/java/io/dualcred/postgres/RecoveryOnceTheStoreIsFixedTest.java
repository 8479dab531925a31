package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PacedCallers;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.SecretFiles;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: after every credential was rejected, the pool serves again within about a second of the engine learning
 * that the store was fixed, however long HikariCP's connection adder (which sleeps 10 ms doubling to 5 s between
 * failed logins) has been kept from logging in.
 */
class RecoveryOnceTheStoreIsFixedTest {

    /** Generous: the target is about a second, where HikariCP's own retry pause alone reaches 5 s. */
    private static final Duration BOUND = Duration.ofSeconds(3);

    private final PostgresServer server = PostgresServer.shared();

    @Test
    void servesSoonAfterTheEngineSeesTheFixedStoreEvenAfterSeveralRejectedRounds() throws Exception {
        String role = Fixtures.uniqueRole("storefix");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        SecretFiles secrets = SecretFiles.create("storefix").hold(role, Fixtures.password(), Fixtures.password());
        AtomicReference<Instant> fixSeen = new AtomicReference<>();

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("recovers-on-fix")
                .maximumPoolSize(2)
                .initializationFailTimeout(Duration.ofMillis(-1))
                .credentialSource(CredentialSources.directory(secrets.directory()))
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(500), 2.0, Duration.ofSeconds(2)).build())
                .listener(event -> {
                    if (event instanceof RotationEvent.SourceReloaded reloaded && reloaded.changed()) {
                        fixSeen.compareAndSet(null, reloaded.time());
                    }
                })
                .build()) {
            Instant served;
            try (PacedCallers callers = PacedCallers.start(4, Duration.ofMillis(20), () -> queryOnce(dataSource))) {
                // Rounds at about 0, 0.5, 1.5, 3.5 and 5.5 s: the store stays wrong for about six seconds, long
                // enough for a refused HikariCP adder to sleep seconds between its tries.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> dataSource.status().counters().allRejectedRounds() >= 5);
                RotationStatus rejected = dataSource.status();
                assertThat(callers.firstSuccess()).isEmpty();
                assertThat(rejected.counters().rejectedLogins()).as("one login per credential per round")
                        .isLessThanOrEqualTo(2 * rejected.counters().allRejectedRounds());

                secrets.hold(role, password, Fixtures.password());
                served = await().atMost(Duration.ofSeconds(30)).until(callers::firstSuccess, first -> first.isPresent())
                        .orElseThrow();
            }

            Duration recovery = Duration.between(fixSeen.get(), served);
            System.out.printf("PostgreSQL: first query served %d ms after the engine saw the fixed store%n",
                    recovery.toMillis());
            assertThat(recovery).isLessThan(BOUND);
            assertThat(dataSource.status().activeSlot()).isEqualTo(Slot.CURRENT);
        }
    }

    /**
     * HikariCP's shutdown waits up to {@code connectionTimeout} for its adder; an adder waiting out a long backoff
     * inside a login must be woken by {@code close()}, not keep it waiting.
     */
    @Test
    void closeWakesTheAdderWaitingForTheNextRound() throws Exception {
        String role = Fixtures.uniqueRole("closewait");
        server.createLoginRole(role, Fixtures.password());
        SecretFiles secrets = SecretFiles.create("closewait").hold(role, Fixtures.password(), Fixtures.password());
        String poolName = "close-wakes-adder";
        DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName(poolName)
                .maximumPoolSize(1)
                .connectionTimeout(Duration.ofSeconds(30))
                .initializationFailTimeout(Duration.ofMillis(-1))
                .credentialSource(CredentialSources.directory(secrets.directory()))
                .rotation(RotationConfig.custom().backoff(Duration.ofSeconds(60), 1.0, Duration.ofSeconds(60)).build())
                .build();
        try {
            assertThat(queryOnce(dataSource)).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> adderWaitsForTheNextRound(poolName));
        } finally {
            long start = System.nanoTime();
            dataSource.close();
            Duration closing = Duration.ofNanos(System.nanoTime() - start);
            assertThat(closing).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(adderWaitsForTheNextRound(poolName)).isFalse();
    }

    private static boolean adderWaitsForTheNextRound(String poolName) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(thread -> thread.getKey().getName().startsWith(poolName + ":connection-adder"))
                .flatMap(thread -> Arrays.stream(thread.getValue()))
                .anyMatch(frame -> frame.getMethodName().equals("awaitEndOfBackoff"));
    }

    private static boolean queryOnce(DualCredentialDataSource dataSource) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            return statement.execute("SELECT 1");
        } catch (SQLException rejected) {
            return false;
        }
    }
}
