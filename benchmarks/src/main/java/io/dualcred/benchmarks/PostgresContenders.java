package io.dualcred.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * The pools the PostgreSQL benchmarks compare, built with the same settings against the same server: {@code plain}
 * (HikariCP with a fixed password), {@code plain2} (an identical second plain pool: the noise control, whose ratio to
 * {@code plain} shows how far two identical pools differ in the same run) and {@code dualcred}
 * ({@link DualCredentialDataSource} reading the same password from a fixed credential source).
 */
final class PostgresContenders {

    /** The baseline every ratio is taken against. */
    static final String PLAIN = "plain";
    /** The noise control: a second pool identical to {@link #PLAIN}. */
    static final String PLAIN2 = "plain2";
    static final String DUALCRED = "dualcred";
    static final List<String> ALL = List.of(PLAIN, PLAIN2, DUALCRED);

    private static final String ROLE = "bench";
    private static final String PASSWORD = "bench-password-1";
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);

    private PostgresContenders() {
    }

    /** Starts an embedded PostgreSQL server (unless {@code -Ddualcred.testservers} says otherwise) with the role. */
    static PostgresServer startServer() {
        if (System.getProperty("dualcred.testservers") == null) {
            System.setProperty("dualcred.testservers", "embedded");
        }
        PostgresServer server = PostgresServer.startNew();
        server.createLoginRole(ROLE, PASSWORD);
        return server;
    }

    /**
     * @param contender one of {@link #ALL}
     * @param server the server every contender uses
     * @param poolSize HikariCP's {@code maximumPoolSize} (and, as HikariCP's default, {@code minimumIdle})
     * @return the pool, started and filled; close it with {@link #close(DataSource)}
     */
    static DataSource start(String contender, PostgresServer server, int poolSize) {
        if (contender.equals(DUALCRED)) {
            return DualCredentialDataSource.builder()
                    .poolName(contender)
                    .jdbcUrl(server.jdbcUrl())
                    .maximumPoolSize(poolSize)
                    .connectionTimeout(CONNECTION_TIMEOUT)
                    .credentialSource(CredentialSources.fixed(Credential.of(ROLE, PASSWORD)))
                    .build();
        }
        if (!contender.equals(PLAIN) && !contender.equals(PLAIN2)) {
            throw new IllegalArgumentException("unknown contender '" + contender + "'; expected one of " + ALL);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(contender);
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername(ROLE);
        config.setPassword(PASSWORD);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        return new HikariDataSource(config);
    }

    /** Waits until the pool holds {@code poolSize} connections, so that no measurement pays for a login. */
    static void awaitFull(DataSource pool, int poolSize) throws InterruptedException {
        HikariDataSource hikari = unwrapHikari(pool);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (hikari.getHikariPoolMXBean().getTotalConnections() < poolSize) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(hikari.getPoolName() + " did not fill up to " + poolSize
                        + " connections in 30 s");
            }
            Thread.sleep(10);
        }
    }

    /** Borrow, {@code SELECT 1}, return: one operation of every PostgreSQL benchmark with a round trip. */
    static boolean selectOne(DataSource pool) throws SQLException {
        try (Connection connection = pool.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT 1")) {
            return rows.next();
        }
    }

    static void close(DataSource pool) {
        if (pool instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + pool + " failed", e);
            }
        }
    }

    private static HikariDataSource unwrapHikari(DataSource pool) {
        try {
            return pool.unwrap(HikariDataSource.class);
        } catch (SQLException e) {
            throw new IllegalStateException(pool + " is not a HikariCP pool", e);
        }
    }
}
