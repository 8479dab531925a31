package io.dualcred.benchmarks;

import io.dualcred.postgres.DualCredentialDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

/**
 * Borrowing from the pool on one thread, with and without a trivial query: plain HikariCP, an identical second plain
 * pool (the noise control) and {@link DualCredentialDataSource}, pools of 8 against the same embedded PostgreSQL
 * (see {@link PostgresContenders}). What dualcred adds on this path is its borrow-time bookkeeping (fail-fast
 * registration, generation check); the rotation engine itself runs only when a physical connection is created.
 */
@BenchmarkMode(Mode.AverageTime)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = "-Ddualcred.testservers=embedded")
public class PostgresBorrowBenchmark extends PostgresPoolState {

    /** {@code getConnection()} + {@code close()}, no round trip to the server: the pool's own cost. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Connection borrowAndReturn() throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.close();
        return connection;
    }

    /** The same plus {@code SELECT 1}: the pool's cost next to the cheapest round trip. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public boolean borrowSelectOneReturn() throws SQLException {
        return PostgresContenders.selectOne(dataSource);
    }
}
