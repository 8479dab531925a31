package io.dualcred.benchmarks;

import io.dualcred.testservers.PostgresServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * Same-run ratios for issue 16's acceptance, on a machine too noisy for JMH's one-fork-after-another runs: the three
 * contenders of {@link PostgresContenders} ({@code plain}, its twin {@code plain2} as the noise control, and
 * {@code dualcred}) live in one JVM against one embedded PostgreSQL and are measured in turn, round after round,
 * the order rotated every turn, so that whatever else the machine does weighs on all of them alike.
 *
 * <ol>
 *   <li>Borrow + return: {@code getConnection()} + {@code close()} with no round trip, one thread, a fixed number of
 *       iterations per contender and round, run in short interleaved slices; nanoseconds per operation, by the wall
 *       clock and by the borrowing thread's CPU time (which other processes on a busy machine inflate much less).</li>
 *   <li>Steady-state throughput: borrow, {@code SELECT 1}, return, on several threads sharing a pool of 8, for a fixed
 *       time per contender and round, in interleaved slices of half a second; operations per second.</li>
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
              --slices N         borrow + return: each round's iterations in N interleaved slices (default 12)
              --seconds S        throughput: seconds per contender and round, in slices of 0.5 s (default 2)
              --threads A,B      throughput: thread counts (default 4,16)
              --pool-size N      maximumPoolSize of every pool (default 8)
              --only borrow|throughput   run one of the two comparisons (default both)
            """;

    /** Throughput is measured in slices of about this length, the contenders taking turns. */
    private static final double THROUGHPUT_SLICE_SECONDS = 0.5;

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
        int slices = balanced(options.slices);
        int iterations = Math.max(options.iterations, slices);
        System.out.printf(Locale.ROOT, "%nBorrow + return (getConnection() + close(), no round trip), 1 thread, "
                + "%,d iterations per contender and round in %d interleaved slices; ns/op, lower is better.%n"
                + "Wall time counts whatever else the machine runs meanwhile; CPU time is the borrowing thread's own, "
                + "which a busy machine inflates much less.%n", iterations, slices);
        Comparison wall = new Comparison("borrow + return, wall time", "ns/op");
        Comparison cpu = new Comparison("borrow + return, CPU time", "ns/op");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int round = -options.warmup; round < options.rounds; round++) {
            Map<String, Double> wallNanos = new LinkedHashMap<>();
            Map<String, Double> cpuNanos = new LinkedHashMap<>();
            System.gc();
            for (int slice = 0; slice < slices; slice++) {
                int sliceIterations = iterations / slices + (slice < iterations % slices ? 1 : 0);
                for (String contender : rotated(round * slices + slice)) {
                    long cpuStart = threads.getCurrentThreadCpuTime();
                    long wallStart = System.nanoTime();
                    borrowAndReturn(pools.get(contender), sliceIterations);
                    long wallEnd = System.nanoTime();
                    long cpuEnd = threads.getCurrentThreadCpuTime();
                    wallNanos.merge(contender, (double) (wallEnd - wallStart) / iterations, Double::sum);
                    cpuNanos.merge(contender, (double) (cpuEnd - cpuStart) / iterations, Double::sum);
                }
            }
            wall.add(round, wallNanos);
            cpu.add(round, cpuNanos);
        }
        summary.add(wall.finish());
        summary.add(cpu.finish());
    }

    private void throughput(int threads) throws Exception {
        int slices = balanced((int) Math.round(options.seconds / THROUGHPUT_SLICE_SECONDS));
        long sliceNanos = (long) (options.seconds * 1e9 / slices);
        System.out.printf(Locale.ROOT, "%nThroughput (borrow, SELECT 1, return), %d threads, pool of %d, %s s per "
                + "contender and round in %d interleaved slices; ops/s, higher is better%n", threads,
                options.poolSize, options.seconds, slices);
        Comparison comparison = new Comparison("SELECT 1, " + threads + " threads", "ops/s");
        try (Load load = new Load(threads)) {
            for (int round = -options.warmup; round < options.rounds; round++) {
                Map<String, long[]> opsAndNanos = new LinkedHashMap<>();
                System.gc();
                for (int slice = 0; slice < slices; slice++) {
                    for (String contender : rotated(round * slices + slice)) {
                        long[] measured = load.run(pools.get(contender), sliceNanos);
                        opsAndNanos.merge(contender, measured, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                    }
                }
                Map<String, Double> perSecond = new LinkedHashMap<>();
                opsAndNanos.forEach((contender, total) -> perSecond.put(contender, total[0] / (total[1] / 1e9)));
                comparison.add(round, perSecond);
            }
        }
        summary.add(comparison.finish());
    }

    /**
     * @return {@code slices} rounded up to a multiple of the number of contenders, so that within a round each one
     *     is first, second and last equally often
     */
    private static int balanced(int slices) {
        int contenders = PostgresContenders.ALL.size();
        return Math.max(1, (slices + contenders - 1) / contenders) * contenders;
    }

    /** The contenders in the order of this turn: each goes first, second and last in turn. */
    private static List<String> rotated(int turn) {
        List<String> order = new ArrayList<>(PostgresContenders.ALL);
        Collections.rotate(order, Math.floorMod(turn, order.size()));
        return order;
    }

    private static void borrowAndReturn(DataSource pool, int iterations) throws SQLException {
        for (int i = 0; i < iterations; i++) {
            Connection connection = pool.getConnection();
            connection.close();
        }
    }

    /**
     * Worker threads that run borrow, {@code SELECT 1}, return against whichever pool they are pointed at, and park
     * in between: the same threads serve every contender, as an application's threads would.
     */
    private static final class Load implements AutoCloseable {

        /** Time for every worker to move to the next pool before counting starts. */
        private static final long RAMP_NANOS = 50_000_000;

        private final List<Thread> workers = new ArrayList<>();
        private final LongAdder done = new LongAdder();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile DataSource target;
        private volatile boolean closed;

        Load(int threads) {
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(this::work, "bench-" + t);
                worker.setDaemon(true);
                worker.start();
                workers.add(worker);
            }
        }

        /** @return the operations completed on {@code pool} and the nanoseconds they took, after the ramp */
        long[] run(DataSource pool, long nanos) throws InterruptedException {
            target = pool;
            Thread.sleep(RAMP_NANOS / 1_000_000);
            long before = done.sum();
            long start = System.nanoTime();
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            long ops = done.sum() - before;
            long elapsed = System.nanoTime() - start;
            target = null;
            if (failure.get() != null) {
                throw new IllegalStateException("a worker failed", failure.get());
            }
            return new long[] {ops, elapsed};
        }

        private void work() {
            while (!closed) {
                DataSource pool = target;
                if (pool == null) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                try {
                    PostgresContenders.selectOne(pool);
                    done.increment();
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    target = null;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            for (Thread worker : workers) {
                worker.join();
            }
        }
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

    /** One comparison's rounds, and its medians and ratios, printed as one table. */
    private static final class Comparison {

        private final String name;
        private final String unit;
        private final Map<String, List<Double>> values = new LinkedHashMap<>();
        private final List<String> lines = new ArrayList<>();

        Comparison(String name, String unit) {
            this.name = name;
            this.unit = unit;
            PostgresContenders.ALL.forEach(contender -> values.put(contender, new ArrayList<>()));
            lines.add("  " + name + " (" + unit + ")");
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-10s", "round"));
            PostgresContenders.ALL.forEach(contender -> header.append(String.format(Locale.ROOT, " %10s", contender)));
            header.append(String.format(Locale.ROOT, " %15s %13s", "dualcred/plain", "plain2/plain"));
            lines.add(header.toString());
        }

        void add(int round, Map<String, Double> measured) {
            String label = round < 0 ? "warm-up" : "round " + (round + 1);
            if (round >= 0) {
                PostgresContenders.ALL.forEach(contender -> values.get(contender).add(measured.get(contender)));
            }
            lines.add(row(label, measured.get(PostgresContenders.PLAIN), measured.get(PostgresContenders.PLAIN2),
                    measured.get(PostgresContenders.DUALCRED)));
        }

        /** Prints the table with the medians and returns the summary line. */
        String finish() {
            double plain = median(values.get(PostgresContenders.PLAIN));
            double plain2 = median(values.get(PostgresContenders.PLAIN2));
            double dualcred = median(values.get(PostgresContenders.DUALCRED));
            lines.add(row("median", plain, plain2, dualcred));
            lines.add(String.format(Locale.ROOT, "  %-10s %32s %15.3f %13.3f", "", "median of the per-round ratios",
                    median(ratios(PostgresContenders.DUALCRED)), median(ratios(PostgresContenders.PLAIN2))));
            lines.forEach(System.out::println);
            return String.format(Locale.ROOT, "  %-28s plain %9.1f  plain2 %9.1f  dualcred %9.1f %-6s  "
                    + "dualcred/plain %.3f  plain2/plain %.3f", name, plain, plain2, dualcred, unit,
                    dualcred / plain, plain2 / plain);
        }

        private static String row(String label, double plain, double plain2, double dualcred) {
            return String.format(Locale.ROOT, "  %-10s %10.1f %10.1f %10.1f %15.3f %13.3f", label, plain, plain2,
                    dualcred, dualcred / plain, plain2 / plain);
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
            int slices = 12;
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
