package io.dualcred.benchmarks;

import io.dualcred.testservers.PostgresServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Same-run ratios for issue 16's acceptance, on a machine too noisy for JMH's one-fork-after-another runs: the three
 * contenders of {@link PostgresContenders} ({@code plain}, its twin {@code plain2} as the noise control, and
 * {@code dualcred}) live in one JVM against one embedded PostgreSQL and are measured in turn, round after round,
 * the order rotated every turn, so that whatever else the machine does weighs on all of them alike.
 *
 * <ol>
 *   <li>Borrow + return: {@code getConnection()} + {@code close()} with no round trip, one thread, a fixed number of
 *       iterations per contender and round, run in short interleaved slices; nanoseconds per operation.</li>
 *   <li>Steady-state throughput: borrow, {@code SELECT 1}, return, on several threads sharing a pool of 8, for a fixed
 *       time per contender and round; operations per second.</li>
 * </ol>
 * Each prints every round, the median per contender, and the ratios {@code dualcred/plain} and
 * {@code plain2/plain} of the medians (with the median of the per-round ratios beside them). Run with {@code --help}
 * for the options.
 */
public final class PostgresSideBySide {

    private static final String USAGE = """
            java -cp benchmarks/target/dualcred-benchmarks.jar io.dualcred.benchmarks.PostgresSideBySide [options]
              --rounds N         measured rounds per comparison (default 5)
              --warmup N         unmeasured rounds first (default 2)
              --iterations N     borrow + return: iterations per contender and round (default 1000000)
              --slices N         borrow + return: each round's iterations in N interleaved slices (default 10)
              --seconds S        throughput: seconds per contender and round (default 2)
              --threads A,B      throughput: thread counts (default 4,16)
              --pool-size N      maximumPoolSize of every pool (default 8)
              --only borrow|throughput   run one of the two comparisons (default both)
            """;

    private final Options options;
    private final Map<String, DataSource> pools = new LinkedHashMap<>();
    private final List<String> summary = new ArrayList<>();

    private PostgresSideBySide(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (options == null) {
            System.out.print(USAGE);
            return;
        }
        try (PostgresServer server = PostgresContenders.startServer()) {
            new PostgresSideBySide(options).run(server);
        }
    }

    private void run(PostgresServer server) throws Exception {
        System.out.printf(Locale.ROOT, "Contenders: plain (HikariCP), plain2 (identical; the noise control), dualcred "
                + "(DualCredentialDataSource); pools of %d against one %s%n", options.poolSize, server);
        System.out.printf(Locale.ROOT, "Machine: %d cores, %s %s; load average %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), loadAverage());
        try {
            for (String contender : PostgresContenders.ALL) {
                DataSource pool = PostgresContenders.start(contender, server, options.poolSize);
                pools.put(contender, pool);
                PostgresContenders.awaitFull(pool, options.poolSize);
            }
            if (!options.only.equals("throughput")) {
                borrowAndReturn();
            }
            if (!options.only.equals("borrow")) {
                for (int threads : options.threads) {
                    throughput(threads);
                }
            }
        } finally {
            pools.values().forEach(PostgresContenders::close);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Summary (load average at the end %s)%n", loadAverage());
        summary.forEach(System.out::println);
    }

    private void borrowAndReturn() throws SQLException {
        System.out.printf(Locale.ROOT, "%nBorrow + return (getConnection() + close(), no round trip), 1 thread, "
                + "%,d iterations per contender and round in %d interleaved slices; ns/op, lower is better%n",
                options.iterations, options.slices);
        Comparison comparison = new Comparison("borrow + return, 1 thread", "ns/op");
        int perSlice = Math.max(1, options.iterations / options.slices);
        for (int round = -options.warmup; round < options.rounds; round++) {
            Map<String, Long> nanos = new LinkedHashMap<>();
            System.gc();
            for (int slice = 0; slice < options.slices; slice++) {
                for (String contender : rotated(round * options.slices + slice)) {
                    nanos.merge(contender, nanosForBorrows(pools.get(contender), perSlice), Long::sum);
                }
            }
            Map<String, Double> measured = new LinkedHashMap<>();
            nanos.forEach((contender, total) -> measured.put(contender,
                    (double) total / ((long) perSlice * options.slices)));
            comparison.add(round, measured);
        }
        summary.add(comparison.finish());
    }

    private void throughput(int threads) throws Exception {
        System.out.printf(Locale.ROOT, "%nThroughput (borrow, SELECT 1, return), %d threads, pool of %d, %s s per "
                + "contender and round; ops/s, higher is better%n", threads, options.poolSize, options.seconds);
        Comparison comparison = new Comparison("SELECT 1, " + threads + " threads", "ops/s");
        for (int round = -options.warmup; round < options.rounds; round++) {
            Map<String, Double> measured = new LinkedHashMap<>();
            for (String contender : rotated(round)) {
                System.gc();
                measured.put(contender, selectsPerSecond(pools.get(contender), threads, options.seconds));
            }
            comparison.add(round, measured);
        }
        summary.add(comparison.finish());
    }

    /** The contenders in the order of this turn: each goes first, second and last in turn. */
    private static List<String> rotated(int turn) {
        List<String> order = new ArrayList<>(PostgresContenders.ALL);
        Collections.rotate(order, Math.floorMod(turn, order.size()));
        return order;
    }

    private static long nanosForBorrows(DataSource pool, int iterations) throws SQLException {
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            Connection connection = pool.getConnection();
            connection.close();
        }
        return System.nanoTime() - start;
    }

    private static double selectsPerSecond(DataSource pool, int threads, double seconds) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                started.countDown();
                try {
                    while (!stop.get()) {
                        PostgresContenders.selectOne(pool);
                        done.increment();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-" + t);
            worker.start();
            workers.add(worker);
        }
        started.await();
        Thread.sleep(200);   // every worker past its first borrow
        long before = done.sum();
        long start = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long ops = done.sum() - before;
        long elapsed = System.nanoTime() - start;
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a worker failed", failure.get());
        }
        return ops / (elapsed / 1e9);
    }

    /** The 1-, 5- and 15-minute load averages, as the machine's other work stands beside the measurement. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return String.join(" ", Arrays.copyOf(fields, 3));
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** One comparison's rounds, printed as they come, and its medians and ratios. */
    private static final class Comparison {

        private final String name;
        private final String unit;
        private final Map<String, List<Double>> values = new LinkedHashMap<>();

        Comparison(String name, String unit) {
            this.name = name;
            this.unit = unit;
            PostgresContenders.ALL.forEach(contender -> values.put(contender, new ArrayList<>()));
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-8s", "round"));
            PostgresContenders.ALL.forEach(contender -> header.append(String.format(Locale.ROOT, " %12s", contender)));
            header.append(String.format(Locale.ROOT, " %14s %12s", "dualcred/plain", "plain2/plain"));
            System.out.println(header);
        }

        void add(int round, Map<String, Double> measured) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-8s",
                    round < 0 ? "warm-up" : Integer.toString(round + 1)));
            for (String contender : PostgresContenders.ALL) {
                line.append(String.format(Locale.ROOT, " %12.1f", measured.get(contender)));
                if (round >= 0) {
                    values.get(contender).add(measured.get(contender));
                }
            }
            double plain = measured.get(PostgresContenders.PLAIN);
            line.append(String.format(Locale.ROOT, " %14.3f %12.3f", measured.get(PostgresContenders.DUALCRED) / plain,
                    measured.get(PostgresContenders.PLAIN2) / plain));
            System.out.println(line);
        }

        /** Prints the medians and returns the summary line. */
        String finish() {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-8s", "median"));
            for (String contender : PostgresContenders.ALL) {
                line.append(String.format(Locale.ROOT, " %12.1f", median(values.get(contender))));
            }
            double plain = median(values.get(PostgresContenders.PLAIN));
            double dualcredRatio = median(values.get(PostgresContenders.DUALCRED)) / plain;
            double noiseRatio = median(values.get(PostgresContenders.PLAIN2)) / plain;
            line.append(String.format(Locale.ROOT, " %14.3f %12.3f", dualcredRatio, noiseRatio));
            System.out.println(line);
            System.out.printf(Locale.ROOT, "  median of the per-round ratios: dualcred/plain %.3f, plain2/plain %.3f%n",
                    median(ratios(PostgresContenders.DUALCRED)), median(ratios(PostgresContenders.PLAIN2)));
            return String.format(Locale.ROOT, "  %-26s medians (%s): plain %.1f, plain2 %.1f, dualcred %.1f   "
                    + "dualcred/plain %.3f   plain2/plain %.3f (noise control)", name, unit, plain,
                    median(values.get(PostgresContenders.PLAIN2)), median(values.get(PostgresContenders.DUALCRED)),
                    dualcredRatio, noiseRatio);
        }

        private List<Double> ratios(String contender) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < values.get(contender).size(); i++) {
                ratios.add(values.get(contender).get(i) / values.get(PostgresContenders.PLAIN).get(i));
            }
            return ratios;
        }

        private static double median(List<Double> values) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int middle = sorted.length / 2;
            return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /** The command-line options; {@code null} from {@link #parse} means print the usage. */
    private record Options(int rounds, int warmup, int iterations, int slices, double seconds, int[] threads,
                           int poolSize, String only) {

        static Options parse(String[] args) {
            int rounds = 5;
            int warmup = 2;
            int iterations = 1_000_000;
            int slices = 10;
            double seconds = 2;
            int[] threads = {4, 16};
            int poolSize = PostgresPoolState.POOL_SIZE;
            String only = "both";
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h") || i + 1 == args.length) {
                    return null;
                }
                String value = args[++i];
                switch (option) {
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--iterations" -> iterations = Integer.parseInt(value);
                    case "--slices" -> slices = Integer.parseInt(value);
                    case "--seconds" -> seconds = Double.parseDouble(value);
                    case "--threads" -> threads = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--pool-size" -> poolSize = Integer.parseInt(value);
                    case "--only" -> only = value;
                    default -> {
                        return null;
                    }
                }
            }
            if (rounds < 1 || warmup < 0 || iterations < 1 || slices < 1 || seconds <= 0 || poolSize < 1
                    || !List.of("both", "borrow", "throughput").contains(only)) {
                return null;
            }
            return new Options(rounds, warmup, iterations, slices, seconds, threads, poolSize, only);
        }
    }
}
