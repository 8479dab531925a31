package io.dualcred.benchmarks;

import io.dualcred.testservers.PostgresServer;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One pool per JMH fork, chosen by the {@code pool} parameter (see {@link PostgresContenders}), with its own embedded
 * PostgreSQL, filled to {@link #POOL_SIZE} connections before the first warm-up iteration.
 */
@State(Scope.Benchmark)
public abstract class PostgresPoolState {

    static final int POOL_SIZE = 8;

    @Param({PostgresContenders.PLAIN, PostgresContenders.PLAIN2, PostgresContenders.DUALCRED})
    public String pool;

    private PostgresServer server;
    protected DataSource dataSource;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
        server = PostgresContenders.startServer();
        dataSource = PostgresContenders.start(pool, server, POOL_SIZE);
        PostgresContenders.awaitFull(dataSource, POOL_SIZE);
    }

    @TearDown(Level.Trial)
    public void stop() {
        PostgresContenders.close(dataSource);
        server.close();
    }
}
