package io.dualcred.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.PostgresServer;
import java.io.Closeable;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Borrowing from the pool, with and without a trivial query: plain HikariCP against
 * {@link DualCredentialDataSource}, same settings, same embedded PostgreSQL. What dualcred adds on this path is its
 * borrow-time generation check; the rotation engine itself runs only when a physical connection is created.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Ddualcred.testservers=embedded")
public class PostgresBorrowBenchmark {

    private static final String ROLE = "bench";
    private static final String PASSWORD = "bench-password-1";

    @Param({"plain", "dualcred"})
    public String pool;

    private PostgresServer server;
    private DataSource dataSource;

    @Setup(Level.Trial)
    public void start() {
        server = PostgresServer.startNew();
        server.createLoginRole(ROLE, PASSWORD);
        if (pool.equals("plain")) {
            HikariConfig config = new HikariConfig();
            config.setPoolName("plain");
            config.setJdbcUrl(server.jdbcUrl());
            config.setUsername(ROLE);
            config.setPassword(PASSWORD);
            config.setMaximumPoolSize(4);
            config.setConnectionTimeout(2_000);
            dataSource = new HikariDataSource(config);
        } else {
            dataSource = DualCredentialDataSource.builder()
                    .poolName("dualcred")
                    .jdbcUrl(server.jdbcUrl())
                    .maximumPoolSize(4)
                    .connectionTimeout(Duration.ofSeconds(2))
                    .credentialSource(CredentialSources.fixed(Credential.of(ROLE, PASSWORD)))
                    .build();
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        ((Closeable) dataSource).close();
        server.close();
    }

    /** Borrow and give back, with no round trip to the server (pgjdbc answers isReadOnly from its own state). */
    @Benchmark
    public boolean borrowAndReturn() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isReadOnly();
        }
    }

    @Benchmark
    public boolean borrowSelectOneReturn() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT 1")) {
            return rows.next();
        }
    }
}
