package io.dualcred.benchmarks;

import io.dualcred.postgres.DualCredentialDataSource;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

/**
 * Steady-state throughput: borrow, {@code SELECT 1}, return, on 4 and on 16 threads sharing a pool of 8 (16 threads
 * queue for connections), for plain HikariCP, an identical second plain pool (the noise control) and
 * {@link DualCredentialDataSource}, against the same embedded PostgreSQL (see {@link PostgresContenders}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Ddualcred.testservers=embedded")
public class PostgresThroughputBenchmark extends PostgresPoolState {

    @Benchmark
    @Threads(4)
    public boolean selectOne4Threads() throws SQLException {
        return PostgresContenders.selectOne(dataSource);
    }

    @Benchmark
    @Threads(16)
    public boolean selectOne16Threads() throws SQLException {
        return PostgresContenders.selectOne(dataSource);
    }
}
