package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, against a real PostgreSQL: a listener that, on the switch to NEXT, runs a query through the very pool it
 * listens to and then calls {@code refresh()}, waiting for each, while several threads share a pool of two. HikariCP
 * makes connections on one adder thread; a listener called there would wait for a connection only that thread can
 * make. Nothing stalls or deadlocks: the listener gets its answers, every query ends within a bound, none fails.
 */
class ListenerUsingItsOwnPoolTest {

    private static final int POOL_SIZE = 2;
    private static final int THREADS = 4;
    /** Any caller that waits this long for a connection fails: a stall cannot hide as a slow success. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** How long the test waits for a listener before calling it stuck. */
    private static final long STUCK_SECONDS = 20;

    @Test
    void listenersThatBorrowFromTheirOwnPoolAndRefreshOnTheSwitchStallNothing() throws Exception {
        PostgresServer server = PostgresServer.shared();
        String role = Fixtures.uniqueRole("listener");
        String newPassword = Fixtures.password();
        AtomicReference<CredentialSet> secrets =
                Fixtures.stagedRotation(server, role, Fixtures.password(), newPassword);
        AtomicReference<DualCredentialDataSource> self = new AtomicReference<>();
        // What the listener's query and refresh() threw, null for nothing; incomplete while the listener is stuck.
        CompletableFuture<Throwable> queried = new CompletableFuture<>();
        CompletableFuture<Throwable> refreshed = new CompletableFuture<>();
        RotationListener querying = event -> {
            if (event instanceof RotationEvent.CredentialSwitched) {
                queried.complete(catchThrowable(() -> selectOne(self.get())));
                refreshed.complete(catchThrowable(() -> self.get().refresh()));
            }
        };

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("listener-own-pool")
                .maximumPoolSize(POOL_SIZE)
                .connectionTimeout(CONNECTION_TIMEOUT)
                .credentialSource(Fixtures.mutableSource("listener", secrets))
                .listener(querying)
                .build();
             Connection held = dataSource.getConnection();   // a long transaction holds one of the two connections
             QueryLoad load = QueryLoad.start(dataSource, THREADS, "listener")) {
            self.set(dataSource);
            load.awaitMoreOperations(500);

            server.setPassword(role, newPassword);   // CURRENT is rejected from now on
            // The load's connection: HikariCP's adder logs in again, and switches. Until the listener is done, the
            // connection that login makes is the only one the pool can lend it.
            RotationStatus switched = Fixtures.retireOneConnectionAndAwaitSwitch(dataSource);
            Throwable queryFailure = queried.get(STUCK_SECONDS, TimeUnit.SECONDS);
            Throwable refreshFailure = refreshed.get(STUCK_SECONDS, TimeUnit.SECONDS);
            held.close();
            load.awaitMoreOperations(500);
            load.stop();

            assertThat(queryFailure).as("what the listener's query through its own pool threw").isNull();
            assertThat(refreshFailure).as("what the listener's refresh() threw").isNull();
            assertThat(load.stopped()).as("every client thread ended").isTrue();
            assertThat(load.failures()).as("failed queries; some: %s", load.someFailures()).isZero();
            assertThat(load.longest()).as("the longest query").isLessThan(CONNECTION_TIMEOUT);
            assertThat(switched.activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(dataSource.status().counters().switches()).isEqualTo(1);
        }
    }

    private static void selectOne(DataSource pool) throws SQLException {
        try (Connection connection = pool.getConnection();
             Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1").close();
        }
    }
}
