package io.dualcred.benchmarks;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's share of creating a connection: {@link RotationEngine#openWithFallback} with an opener that does no
 * I/O, against calling that opener directly. A real login (TCP, TLS, SCRAM) costs milliseconds; this shows what the
 * engine adds to it when the active credential is accepted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class ConnectionCreationBenchmark {

    private final Credential credential = Credential.of("bench", "bench-password-1");
    private final ConnectionOpener<Object> opener = login -> new Object[] {login.username()};
    private RotationEngine engine;

    @Setup(Level.Trial)
    public void start() {
        engine = RotationEngine.builder("bench")
                .source(CredentialSources.fixed(credential))
                .classifier(failure -> false)
                .evictor(generation -> { })
                .start();
    }

    @TearDown(Level.Trial)
    public void stop() {
        engine.close();
    }

    @Benchmark
    public Object openerAlone() throws Exception {
        return opener.open(credential);
    }

    @Benchmark
    public Login<Object> openWithFallback() throws Exception {
        return engine.openWithFallback(opener);
    }
}
