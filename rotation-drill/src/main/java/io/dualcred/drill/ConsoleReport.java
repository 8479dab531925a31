package io.dualcred.drill;

import java.io.PrintStream;
import java.util.Locale;
import java.util.stream.Collectors;

/** The tables printed at the end of a drill, one per backend and scenario, and the verdict. */
final class ConsoleReport {

    private static final String ROW = "%-14s %9s %8s %9s %10s %6s %11s %9s %11s%n";

    private ConsoleReport() {
    }

    static void print(Results.Drill drill, PrintStream out) {
        for (Results.BackendRun backend : drill.backends()) {
            out.println();
            out.println(backend.server());
            for (Results.ScenarioRun run : backend.scenarios()) {
                out.println();
                out.print(table(run, drill.run()));
            }
            out.println();
            out.println(noise(backend));
        }
        out.println();
        out.print(verdict(drill));
    }

    /** @return the table of one scenario, as printed and as shown in the report and the README */
    static String table(Results.ScenarioRun run, Results.Run settings) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s, %s (store delay %s, %s), %.0f s of load%n",
                run.backend().displayName(), run.scenario().key(),
                Durations.format(java.time.Duration.ofMillis(settings.storeDelayMillis())),
                settings.evict() ? "--evict" : "no evictConnections()", run.seconds()));
        text.append(String.format(Locale.ROOT, ROW, "contender", "ops", "failed", "rejected", "first new",
                "dip", "throughput", "old at", "old by tag"));
        text.append(String.format(Locale.ROOT, ROW, "", "", "", "logins", "login ms", "", "vs fixed", "revoke",
                "at verify"));
        for (Results.ContenderRun contender : run.contenders()) {
            text.append(String.format(Locale.ROOT, ROW, contender.label(), Text.count(contender.total().ops()),
                    Text.count(contender.failed()),
                    contender.rejectedLogins().isPresent() ? Text.count(contender.rejectedLogins().getAsLong())
                            : "n/a",
                    contender.firstNewLoginMillis().isPresent()
                            ? Text.millis(contender.firstNewLoginMillis().getAsDouble()) : "never",
                    Text.ratio(contender.dip()), Text.ratio(contender.throughputRatio()),
                    contender.oldSessionsAtRevoke().isPresent()
                            ? Integer.toString(contender.oldSessionsAtRevoke().getAsInt()) : "-",
                    contender.fleetCheck().map(ConsoleReport::fleetCheck).orElse("-")));
        }
        for (Results.ContenderRun contender : run.contenders()) {
            if (!contender.failures().isEmpty()) {
                text.append("  ").append(contender.label()).append(" failed: ").append(contender.failures().stream()
                        .map(f -> f.kind() + " x " + Text.count(f.count())).collect(Collectors.joining("; ")))
                        .append('\n');
            }
        }
        if (run.contenders().stream().flatMap(contender -> contender.failures().stream())
                .anyMatch(Results.FailureKind::busyPool)) {
            text.append("  \"").append(ClientMeter.BUSY_POOL).append("\": the connection timeout passed while the pool "
                    + "held all its connections and had lent every one, with no failed login: the machine's load, met "
                    + "by every contender alike; the verdict does not count these\n");
        }
        return text.toString();
    }

    /**
     * @return the sessions the runbook's fleet check listed under the old version's tag before the revocation; when a
     *     check disagreed with the server's count of sessions opened before the change, that count too, or how many
     *     checks disagreed
     */
    private static String fleetCheck(Results.FleetCheck check) {
        if (check.oldByTag() != check.oldByStart()) {
            return check.oldByTag() + " != " + check.oldByStart();
        }
        return check.oldByTag() + (check.agreed() ? "" : " (" + check.disagreements() + " off)");
    }

    /** @return how much the two identical fixed pools differed, so a reader knows which differences are noise */
    static String noise(Results.BackendRun backend) {
        return String.format(Locale.ROOT, "%s noise: fixed-2 / fixed = %s before the rotations (two identical pools "
                + "differ by %.1f %%; throughput differences within that are noise)", backend.backend().displayName(),
                Text.ratio(backend.noise()), Math.abs(1 - backend.noise()) * 100);
    }

    static String verdict(Results.Drill drill) {
        StringBuilder text = new StringBuilder();
        for (Results.BackendRun backend : drill.backends()) {
            text.append(backend.backend().key()).append(": ");
            if (backend.passed()) {
                text.append("PASS - dualcred failed no operation and had no more failed operations and rejected "
                        + "logins than any other contender, in every scenario\n");
            } else {
                text.append("FAIL - ").append(backend.scenarios().stream().flatMap(run -> run.problems().stream())
                        .collect(Collectors.joining("; "))).append('\n');
            }
        }
        return text.toString();
    }
}
