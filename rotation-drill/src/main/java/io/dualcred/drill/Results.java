package io.dualcred.drill;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** What a drill measured, as the console table, the HTML report and the JSON summary show it. */
final class Results {

    private Results() {
    }

    /**
     * The settings and the machine, for the report's header.
     *
     * @param started when the drill started
     * @param durationSeconds load per backend
     * @param threads load threads per client
     * @param poolSize connections per pool
     * @param rotations rotations per backend
     * @param connectionTimeoutMillis how long a caller waits for a connection, in both pools
     * @param cores available processors
     * @param java the Java runtime
     * @param os the operating system
     * @param samplePeriodMillis the chart's sampling period
     */
    record Run(Instant started, double durationSeconds, int threads, int poolSize, int rotations,
               long connectionTimeoutMillis, int cores, String java, String os, long samplePeriodMillis) {
    }

    /**
     * One rotation step, as the operator performed it.
     *
     * @param number the step's number in the runbook (1-6)
     * @param name a short name
     * @param atSeconds when it started, from the start of the backend's load
     * @param detail what happened, with usernames but never passwords
     */
    record Step(int number, String name, double atSeconds, String detail) {
    }

    /**
     * A kind of failure one client met.
     *
     * @param kind exception type and SQLState or Redis error word
     * @param count how often
     * @param example the first message seen
     */
    record FailureKind(String kind, long count, String example) {
    }

    /**
     * One client (pool) of one backend.
     *
     * @param label {@code plain} or {@code dualcred}
     * @param user the database or Redis user it logs in as
     * @param windows its numbers per window
     * @param total its numbers over the whole run
     * @param samples its numbers per sample period, for the chart
     * @param failures the kinds of failure it met
     * @param rejectedLogins logins of its user the server rejected during the run, when known
     * @param rejectedLoginsSource {@code server} when counted on the server, {@code engine} when only the dualcred
     *     engine's own counter is known
     * @param sourceLoads reads of the secret store (dualcred only)
     * @param switchAfterChangeMillis per rotation, the time from the server change to the first connection on the new
     *     credential (dualcred only; empty when it did not switch)
     * @param switches credential switches (dualcred only)
     * @param promotions promotions seen (dualcred only)
     * @param events rotation events by type (dualcred only)
     */
    record Client(String label, String user, Map<Window, WindowStats> windows, WindowStats total,
                  List<Timeline.Sample> samples, List<FailureKind> failures, OptionalLong rejectedLogins,
                  String rejectedLoginsSource, OptionalLong sourceLoads, List<OptionalDouble> switchAfterChangeMillis,
                  OptionalLong switches, OptionalLong promotions, Map<String, Long> events) {

        boolean dualcred() {
            return sourceLoads.isPresent();
        }
    }

    /**
     * One backend's drill.
     *
     * @param backend the backend
     * @param server the server's description
     * @param seconds how long the load ran
     * @param steps the rotation steps, in order
     * @param plain the plain pool
     * @param dualcred the dualcred pool
     * @param throughputRatio dualcred / plain successful operations per second before the first rotation
     * @param problems what went wrong with dualcred (empty when it did its job)
     */
    record BackendRun(Backend backend, String server, double seconds, List<Step> steps, Client plain,
                   Client dualcred, double throughputRatio, List<String> problems) {

        boolean passed() {
            return problems.isEmpty();
        }
    }

    /**
     * The whole drill.
     *
     * @param run settings and machine
     * @param backends one entry per backend drilled
     */
    record Drill(Run run, List<BackendRun> backends) {

        boolean passed() {
            return backends.stream().allMatch(BackendRun::passed);
        }
    }
}
