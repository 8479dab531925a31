package io.dualcred.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the given command-line options (as {@code java -jar dualcred-benchmarks.jar} takes them), then prints
 * each contender's score as a ratio to {@code plain}'s in the same benchmark: {@code dualcred/plain} and the noise
 * control {@code plain2/plain}. The ratio is of the scores as JMH reports them, so for an average time higher is worse
 * and for a throughput lower is worse.
 */
public final class JmhRatios {

    /** The parameters that name the contender in the benchmarks of this module. */
    private static final Set<String> CONTENDER_PARAMS = Set.of("pool", "client");
    private static final String BASELINE = PostgresContenders.PLAIN;

    private JmhRatios() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.println(table(results));
    }

    static String table(Collection<RunResult> results) {
        Map<String, Map<String, Result<?>>> byBenchmark = new LinkedHashMap<>();
        for (RunResult result : results) {
            BenchmarkParams params = result.getParams();
            String contender = contender(params);
            if (contender != null) {
                byBenchmark.computeIfAbsent(benchmarkName(params), name -> new LinkedHashMap<>())
                        .put(contender, result.getPrimaryResult());
            }
        }
        StringBuilder table = new StringBuilder("Ratios to plain in this run (score / plain's score; average time: "
                + "higher is slower, throughput: lower is slower)\n");
        table.append(String.format(Locale.ROOT, "%-58s %-9s %22s %9s%n", "Benchmark", "contender", "score",
                "/ plain"));
        for (Map.Entry<String, Map<String, Result<?>>> benchmark : byBenchmark.entrySet()) {
            Result<?> baseline = benchmark.getValue().get(BASELINE);
            for (Map.Entry<String, Result<?>> contender : benchmark.getValue().entrySet()) {
                Result<?> score = contender.getValue();
                String ratio = baseline == null ? "-"
                        : String.format(Locale.ROOT, "%.3f", score.getScore() / baseline.getScore());
                table.append(String.format(Locale.ROOT, "%-58s %-9s %22s %9s%n", benchmark.getKey(),
                        contender.getKey(), String.format(Locale.ROOT, "%.3f ± %.3f %s", score.getScore(),
                                score.getScoreError(), score.getScoreUnit()), ratio));
            }
        }
        return table.toString();
    }

    private static String contender(BenchmarkParams params) {
        for (String key : params.getParamsKeys()) {
            if (CONTENDER_PARAMS.contains(key)) {
                return params.getParam(key);
            }
        }
        return null;
    }

    /** The benchmark's short name, its thread count and any parameter other than the contender. */
    private static String benchmarkName(BenchmarkParams params) {
        String full = params.getBenchmark();
        String name = full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1);
        List<String> others = new ArrayList<>();
        for (String key : params.getParamsKeys()) {
            if (!CONTENDER_PARAMS.contains(key)) {
                others.add(key + "=" + params.getParam(key));
            }
        }
        return name + " (" + params.getThreads() + "t" + (others.isEmpty() ? "" : ", " + String.join(", ", others))
                + ")";
    }
}
