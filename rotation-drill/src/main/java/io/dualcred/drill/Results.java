package io.dualcred.drill;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** What a drill measured, as the console tables, the HTML report and the JSON summary show it. */
final class Results {

    private Results() {
    }

    /**
     * The settings and the machine, for the report's header.
     *
     * @param started when the drill started
     * @param steadySeconds steady load before each rotation
     * @param threads load threads per contender
     * @param poolSize connections per pool
     * @param connectionTimeoutMillis how long a caller waits for a connection, in every pool
     * @param storeDelayMillis from the server change to the promotion
     * @param evict whether the operator called each contender's eviction
     * @param cores available processors
     * @param java the Java runtime
     * @param os the operating system
     * @param sliceMillis the chart's and the dip's slice
     */
    record Run(Instant started, double steadySeconds, int threads, int poolSize, long connectionTimeoutMillis,
               long storeDelayMillis, boolean evict, int cores, String java, String os, long sliceMillis) {
    }

    /**
     * One step of the operator's, the same moment for every contender.
     *
     * @param number the step's number in the scenario
     * @param name a short name
     * @param atSeconds when it started, from the start of the scenario's load
     * @param detail what happened, with usernames but never passwords
     */
    record Step(int number, String name, double atSeconds, String detail) {
    }

    /**
     * A kind of failure one contender met.
     *
     * @param kind exception type and SQLState or Redis error word
     * @param count how often
     * @param example the first message seen
     */
    record FailureKind(String kind, long count, String example) {

        /** @return whether the caller timed out on a pool that had all its connections, lent: load, not rotation */
        boolean busyPool() {
            return ClientMeter.isBusyPool(kind);
        }
    }

    /**
     * The runbook's fleet check (section 9.1) for one dualcred contender: what it listed right before the revocation,
     * and whether it agreed, every time the drill ran it, with the sessions the server itself says were opened before
     * the password change ({@code backend_start}, client ids) in the same snapshot.
     *
     * @param oldTag the tag of the old password's version, e.g. {@code [dualcred:v1]}
     * @param oldByTag sessions the check listed under the old version right before the revocation
     * @param newByTag sessions it listed under the new version then
     * @param oldByStart sessions opened before the password change, in the same snapshot
     * @param checks how often the drill ran the check (every poll of the verify step, and once before revoking)
     * @param disagreements how many of those checks listed a different number of old sessions than the server's
     *     count of sessions opened before the change
     */
    record FleetCheck(String oldTag, int oldByTag, int newByTag, int oldByStart, int checks, int disagreements) {

        boolean agreed() {
            return disagreements == 0;
        }
    }

    /**
     * One contender in one scenario.
     *
     * @param contender which one
     * @param description what it is, in a few words
     * @param user the database or Redis user it logs in as
     * @param windows its numbers per window
     * @param total its numbers over the whole scenario
     * @param samples its numbers per slice, for the chart
     * @param failures the kinds of failure it met
     * @param rejectedLogins logins of its user the server rejected during the scenario, when the server can tell
     * @param firstNewLoginMillis from the server change to its first session with the new password; empty: none
     * @param dip lowest successful ops/s in a slice from the server change on, divided by the median slice before
     * @param throughputRatio successful ops/s before the rotation, divided by {@code fixed}'s
     * @param oldSessionsAtRevoke sessions opened before the server change that the revocation found and terminated
     * @param events a dualcred pool's rotation events by type; empty for the others
     * @param fleetCheck the runbook's fleet check, for a dualcred contender; empty for the others
     */
    record ContenderRun(Contender contender, String description, String user, Map<Window, WindowStats> windows,
                        WindowStats total, List<Timeline.Sample> samples, List<FailureKind> failures,
                        OptionalLong rejectedLogins, OptionalDouble firstNewLoginMillis, double dip,
                        double throughputRatio, OptionalInt oldSessionsAtRevoke, Map<String, Long> events,
                        Optional<FleetCheck> fleetCheck) {

        String label() {
            return contender.label();
        }

        long failed() {
            return total.failed();
        }

        /**
         * @return failed operations the rotation may have caused: all of them but the timeouts on a busy pool, which
         *     the machine's load causes for every contender alike (see {@link ClientMeter#BUSY_POOL})
         */
        long rotationFailed() {
            return failed() - failures.stream().filter(FailureKind::busyPool).mapToLong(FailureKind::count).sum();
        }
    }

    /**
     * One scenario on one backend.
     *
     * @param backend the backend
     * @param scenario the scenario
     * @param seconds how long the load ran
     * @param steps the operator's steps, in order
     * @param contenders every contender, in table order
     * @param problems why dualcred did not win, naming the contender that beat it (empty when it did)
     */
    record ScenarioRun(Backend backend, Scenario scenario, double seconds, List<Step> steps,
                       List<ContenderRun> contenders, List<String> problems) {

        ContenderRun get(Contender contender) {
            return contenders.stream().filter(run -> run.contender() == contender).findFirst().orElseThrow();
        }
    }

    /**
     * One backend's drill.
     *
     * @param backend the backend
     * @param server the server's description
     * @param scenarios one entry per scenario
     * @param noise {@code fixed-2}'s successful ops/s before the rotations divided by {@code fixed}'s: how much two
     *     identical pools differ in this run
     */
    record BackendRun(Backend backend, String server, String topology, List<ScenarioRun> scenarios, double noise) {

        boolean passed() {
            return scenarios.stream().allMatch(run -> run.problems().isEmpty());
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
