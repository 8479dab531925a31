package io.dualcred.postgres;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.PostgresServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Plain HikariCP next to {@link DualCredentialDataSource} on one PostgreSQL server, in one run: steady-state
 * throughput of {@code SELECT 1} (16 client threads, pools of 8, short slices rotating between the pools after a
 * warm-up, with a second plain pool as a control for the machine's noise), then the failed operations of each during the password rotation of {@code RotationUnderLoadTest}, with
 * the plain pool configured with CURRENT only.
 *
 * <p>Not a test: {@code verify} does not run it. Run it after {@code mvn -pl connectors-postgres -am
 * test-compile}, from {@code connectors-postgres}:
 * <pre>
 * ../mvnw -q dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     io.dualcred.postgres.PlainVersusDualCredentialBenchmark [rounds [secondsPerSlice]]
 * </pre>
 * Waiting is by the wall clock here on purpose: a benchmark measures over a fixed duration.
 */
public final class PlainVersusDualCredentialBenchmark {

    private static final int CLIENT_THREADS = 16;
    private static final int POOL_SIZE = 8;

    private PlainVersusDualCredentialBenchmark() {
    }

    /**
     * @param args optionally the number of rounds (default 8) and the seconds per slice (default 2)
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Duration slice = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 2);
        try (PostgresServer server = PostgresServer.startNew()) {
            System.out.printf("PostgreSQL at %s; %d client threads, pools of %d, SELECT 1; load average %.1f on %d "
                    + "CPUs%n", server.jdbcUrl(), CLIENT_THREADS, POOL_SIZE, loadAverage(),
                    Runtime.getRuntime().availableProcessors());
            throughput(server, rounds, slice);
            rotation(server);
        }
    }

    /**
     * Three pools stay open — plain HikariCP, a second identical plain pool as a control, and dualcred — and the
     * clients move between them in short slices, rotating the order each round so that drift in the machine's load
     * (other builds share it) hits all alike. Each round gives two ratios against the first plain pool: the
     * control's, which shows how far two identical pools differ on this machine, and dualcred's.
     */
    private static void throughput(PostgresServer server, int rounds, Duration slice) throws Exception {
        String role = Fixtures.uniqueRole("bench");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        try (HikariDataSource plainPool = plainPool(server, "plain", role, password);
             HikariDataSource controlPool = plainPool(server, "plain-control", role, password);
             DualCredentialDataSource dualPool = DualCredentialDataSource.builder()
                     .hikariConfig(poolConfig(server, "dualcred"))
                     .credentialSource(CredentialSources.fixed(Credential.of(role, password)))
                     .build()) {
            List<DataSource> pools = List.of(plainPool, controlPool, dualPool);
            for (DataSource pool : pools) {
                operationsPerSecond(pool, Duration.ofSeconds(3));
            }
            double[] totals = new double[3];
            double[] controlRatios = new double[rounds];
            double[] dualRatios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                double[] rates = new double[3];
                for (int step = 0; step < 3; step++) {
                    int pool = (round + step) % 3;
                    rates[pool] = operationsPerSecond(pools.get(pool), slice);
                    totals[pool] += rates[pool];
                }
                controlRatios[round] = rates[1] / rates[0];
                dualRatios[round] = rates[2] / rates[0];
                System.out.printf(Locale.ROOT, "round %2d: plain %6.0f, control %6.0f, dualcred %6.0f ops/s; "
                        + "control/plain %.3f, dualcred/plain %.3f%n", round + 1, rates[0], rates[1], rates[2],
                        controlRatios[round], dualRatios[round]);
            }
            System.out.printf(Locale.ROOT, "throughput: plain %.0f, control %.0f, dualcred %.0f ops/s (means of %d slices"
                    + " of %d s); dualcred/plain: ratio of means %.3f, median %.3f; control/plain (noise floor): "
                    + "ratio of means %.3f, median %.3f (range %.3f to %.3f); load average now %.1f%n",
                    totals[0] / rounds, totals[1] / rounds, totals[2] / rounds, rounds, slice.toSeconds(),
                    totals[2] / totals[0], median(dualRatios), totals[1] / totals[0], median(controlRatios),
                    Arrays.stream(controlRatios).min().orElse(0), Arrays.stream(controlRatios).max().orElse(0),
                    loadAverage());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double operationsPerSecond(DataSource pool, Duration duration) throws Exception {
        try (QueryLoad load = QueryLoad.start(pool, CLIENT_THREADS, "bench")) {
            long before = load.operations();
            long start = System.nanoTime();
            Thread.sleep(duration.toMillis());
            long done = load.operations() - before;
            double seconds = (System.nanoTime() - start) / 1e9;
            load.stop();
            if (load.failures() > 0) {
                throw new IllegalStateException("failures during the throughput run: " + load.someFailures());
            }
            return done / seconds;
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The procedure of RotationUnderLoadTest, with a plain pool on CURRENT only running beside the dualcred one. */
    private static void rotation(PostgresServer server) throws Exception {
        String role = Fixtures.uniqueRole("benchrot");
        String oldPassword = Fixtures.password();
        String newPassword = Fixtures.password();
        AtomicReference<CredentialSet> secrets = Fixtures.stagedRotation(server, role, oldPassword, newPassword);
        try (HikariDataSource plainPool = plainPool(server, "plain", role, oldPassword);
             DualCredentialDataSource dualPool = DualCredentialDataSource.builder()
                     .hikariConfig(poolConfig(server, "dualcred"))
                     .credentialSource(Fixtures.mutableSource("benchmark", secrets))
                     .build();
             QueryLoad plainLoad = QueryLoad.start(plainPool, CLIENT_THREADS, "plain");
             QueryLoad dualLoad = QueryLoad.start(dualPool, CLIENT_THREADS, "dualcred")) {
            Thread.sleep(2_000);
            long plainBefore = plainLoad.operations();
            long dualBefore = dualLoad.operations();
            Instant changed = Fixtures.serverNow(server);
            long rotationStart = System.nanoTime();
            server.setPassword(role, newPassword);
            Fixtures.retireOneConnection(plainPool);
            Fixtures.retireOneConnection(dualPool);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> dualPool.status().counters().switches() > 0);
            long switchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rotationStart);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> server.sessions(role).stream().noneMatch(session ->
                            "dualcred".equals(session.applicationName()) && session.backendStart().isBefore(changed)));
            int terminated = server.terminateSessionsStartedBefore(role, changed);
            Thread.sleep(3_000);
            plainLoad.stop();
            dualLoad.stop();
            System.out.printf("rotation: dualcred switched %d ms after the password change; %d old sessions "
                    + "terminated (all of them the plain pool's)%n", switchMillis, terminated);
            System.out.printf("rotation: plain    %7d ops, %6d failed, slowest %5d ms; first failure: %s%n",
                    plainLoad.operations() - plainBefore, plainLoad.failures(),
                    plainLoad.slowestOperation().toMillis(),
                    plainLoad.someFailures().stream().findFirst().map(Throwable::toString).orElse("none"));
            System.out.printf("rotation: dualcred %7d ops, %6d failed, slowest %5d ms%n",
                    dualLoad.operations() - dualBefore, dualLoad.failures(), dualLoad.slowestOperation().toMillis());
        }
    }

    private static HikariDataSource plainPool(PostgresServer server, String name, String role, String password) {
        HikariConfig config = poolConfig(server, name);
        config.setUsername(role);
        config.setPassword(password);
        return new HikariDataSource(config);
    }

    /** The same settings for both pools; connectionTimeout 2 s keeps the plain pool's stalls short. */
    private static HikariConfig poolConfig(PostgresServer server, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setPoolName(name);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setConnectionTimeout(2_000);
        config.addDataSourceProperty("ApplicationName", name);
        return config;
    }
}
