package io.dualcred.postgres;

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
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Plain HikariCP next to {@link DualCredentialDataSource} on one PostgreSQL server, in one run: steady-state
 * throughput of {@code SELECT 1} (16 client threads, pools of 8, short slices alternating between the pools after a
 * warm-up), then the failed operations of each during the password rotation of {@code RotationUnderLoadTest}, with
 * the plain pool configured with CURRENT only.
 *
 * <p>Not a test: {@code verify} does not run it. Run it after {@code mvn -pl connectors-postgres -am
 * test-compile}, from {@code connectors-postgres}:
 * <pre>
 * ../mvnw -q dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     io.dualcred.postgres.PlainVersusDualCredentialBenchmark [slicePairs [secondsPerSlice]]
 * </pre>
 * Waiting is by the wall clock here on purpose: a benchmark measures over a fixed duration.
 */
public final class PlainVersusDualCredentialBenchmark {

    private static final int CLIENT_THREADS = 16;
    private static final int POOL_SIZE = 8;

    private PlainVersusDualCredentialBenchmark() {
    }

    /**
     * @param args optionally the number of slice pairs (default 8) and the seconds per slice (default 2)
     */
    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Duration slice = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 2);
        try (PostgresServer server = PostgresServer.startNew()) {
            System.out.printf("PostgreSQL at %s; %d client threads, pools of %d, SELECT 1; load average %.1f on %d "
                    + "CPUs%n", server.jdbcUrl(), CLIENT_THREADS, POOL_SIZE, loadAverage(),
                    Runtime.getRuntime().availableProcessors());
            throughput(server, pairs, slice);
            rotation(server);
        }
    }

    /**
     * Both pools stay open; the clients alternate between them in short slices, in the order plain-dualcred, then
     * dualcred-plain, so that drift in the machine's load (other builds share it) hits both alike. The ratio of each
     * pair is reported, then the median ratio and the totals.
     */
    private static void throughput(PostgresServer server, int pairs, Duration slice) throws Exception {
        String role = Fixtures.uniqueRole("bench");
        String password = Fixtures.password();
        server.createLoginRole(role, password);
        try (HikariDataSource plainPool = plainPool(server, "plain", role, password);
             DualCredentialDataSource dualPool = DualCredentialDataSource.builder()
                     .hikariConfig(poolConfig(server, "dualcred"))
                     .credentialSource(CredentialSources.fixed(Credential.of(role, password)))
                     .build()) {
            operationsPerSecond(plainPool, Duration.ofSeconds(3));
            operationsPerSecond(dualPool, Duration.ofSeconds(3));
            double plainTotal = 0;
            double dualTotal = 0;
            double[] ratios = new double[pairs];
            for (int pair = 0; pair < pairs; pair++) {
                double plain;
                double dual;
                if (pair % 2 == 0) {
                    plain = operationsPerSecond(plainPool, slice);
                    dual = operationsPerSecond(dualPool, slice);
                } else {
                    dual = operationsPerSecond(dualPool, slice);
                    plain = operationsPerSecond(plainPool, slice);
                }
                plainTotal += plain;
                dualTotal += dual;
                ratios[pair] = dual / plain;
                System.out.printf(Locale.ROOT, "pair %d: plain %6.0f ops/s, dualcred %6.0f ops/s, ratio %.3f%n",
                        pair + 1, plain, dual, ratios[pair]);
            }
            Arrays.sort(ratios);
            double median = pairs % 2 == 1 ? ratios[pairs / 2] : (ratios[pairs / 2 - 1] + ratios[pairs / 2]) / 2;
            System.out.printf(Locale.ROOT, "throughput: plain %.0f ops/s, dualcred %.0f ops/s (means over %d slices of"
                    + " %d s); ratio of means %.3f, median ratio %.3f (min %.3f, max %.3f); load average now %.1f%n",
                    plainTotal / pairs, dualTotal / pairs, pairs, slice.toSeconds(), dualTotal / plainTotal, median,
                    ratios[0], ratios[pairs - 1], loadAverage());
        }
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
            while (dualPool.status().counters().switches() == 0) {
                Thread.sleep(10);
            }
            long switchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rotationStart);
            while (server.sessions(role).stream().anyMatch(session -> "dualcred".equals(session.applicationName())
                    && session.backendStart().isBefore(changed))) {
                Thread.sleep(10);
            }
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
