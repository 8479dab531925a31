package io.dualcred.drill;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** The table printed at the end of a drill. */
final class ConsoleReport {

    private static final List<Window> SHOWN = List.of(Window.BEFORE, Window.DURING, Window.AFTER);

    private ConsoleReport() {
    }

    static void print(Results.Drill drill, PrintStream out) {
        for (Results.BackendRun run : drill.backends()) {
            out.println();
            out.println(table(run, drill.run()));
        }
        out.println(verdict(drill));
    }

    /** @return the table of one backend, as printed and as shown in the README */
    static String table(Results.BackendRun run, Results.Run settings) {
        StringBuilder text = new StringBuilder();
        text.append(run.server()).append('\n');
        text.append(String.format(Locale.ROOT, "%.1f s of load, %d threads per pool, pool size %d, connection "
                + "timeout %s, %d rotation(s)%n%n", run.seconds(), settings.threads(), settings.poolSize(),
                Durations.format(java.time.Duration.ofMillis(settings.connectionTimeoutMillis())),
                settings.rotations()));
        text.append(String.format(Locale.ROOT, "%-9s %-7s %10s %9s %9s %8s %8s %8s%n", "client", "window", "ops",
                "failed", "ok ops/s", "p50 ms", "p99 ms", "max ms"));
        for (Results.Client client : List.of(run.plain(), run.dualcred())) {
            for (Window window : SHOWN) {
                WindowStats stats = client.windows().get(window);
                text.append(String.format(Locale.ROOT, "%-9s %-7s %10s %9s %9s %8s %8s %8s%n", client.label(),
                        window.label(), Text.count(stats.ops()), Text.count(stats.failed()),
                        Text.rate(stats.okPerSecond()), Text.millis(stats.p50Ms()), Text.millis(stats.p99Ms()),
                        Text.millis(stats.maxMs())));
            }
        }
        text.append('\n');
        int userWidth = Math.max(4, Math.max(run.plain().user().length(), run.dualcred().user().length()));
        String format = "%-9s %-" + userWidth + "s %10s %9s %20s %16s %13s%n";
        text.append(String.format(Locale.ROOT, format, "client", "user", "ops", "failed", "switch after change",
                "rejected logins", "source loads"));
        for (Results.Client client : List.of(run.plain(), run.dualcred())) {
            text.append(String.format(Locale.ROOT, format, client.label(), client.user(),
                    Text.count(client.total().ops()), Text.count(client.total().failed()), switchTimes(client),
                    client.rejectedLogins().isPresent()
                            ? Text.count(client.rejectedLogins().getAsLong()) + " (" + client.rejectedLoginsSource()
                            + ")" : "n/a",
                    client.sourceLoads().isPresent() ? Text.count(client.sourceLoads().getAsLong()) : "-"));
        }
        text.append('\n');
        text.append("throughput dualcred/plain before the rotation: ").append(Text.ratio(run.throughputRatio()))
                .append('\n');
        for (Results.Client client : List.of(run.plain(), run.dualcred())) {
            if (!client.failures().isEmpty()) {
                text.append(client.label()).append(" failures: ").append(client.failures().stream()
                        .map(f -> f.kind() + " x " + Text.count(f.count())).collect(Collectors.joining("; ")))
                        .append('\n');
            }
        }
        return text.toString();
    }

    static String switchTimes(Results.Client client) {
        if (!client.dualcred()) {
            return "never";
        }
        return client.switchAfterChangeMillis().stream()
                .map(time -> time.isPresent() ? Text.millis(time.getAsDouble()) + " ms" : "no switch")
                .collect(Collectors.joining(", "));
    }

    static String verdict(Results.Drill drill) {
        StringBuilder text = new StringBuilder();
        for (Results.BackendRun run : drill.backends()) {
            text.append(run.backend().key()).append(": ");
            if (run.passed()) {
                text.append("PASS - dualcred failed 0 of ").append(Text.count(run.dualcred().total().ops()))
                        .append(" operations; the plain pool failed ").append(Text.count(run.plain().total()
                                .failed())).append('\n');
            } else {
                text.append("FAIL - ").append(String.join("; ", run.problems())).append('\n');
            }
        }
        return text.toString();
    }

    static OptionalDouble firstSwitch(Results.Client client) {
        return client.switchAfterChangeMillis().isEmpty() ? OptionalDouble.empty()
                : client.switchAfterChangeMillis().get(0);
    }
}
