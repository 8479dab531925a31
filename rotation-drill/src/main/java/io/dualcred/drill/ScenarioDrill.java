package io.dualcred.drill;

import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Drills one scenario on one backend: every {@link Contender} of the backend with its own user, secret directory,
 * pool and load threads, all rotated by the same operator steps at the same moments. No contender gets an operator
 * call that the others do not get; with {@code --evict}, each that has an eviction gets it at the same moment.
 */
final class ScenarioDrill {

    private static final long STATUS_TIMEOUT_MILLIS = 5_000;
    private static final long FULL_POOL_TIMEOUT_MILLIS = 10_000;
    private static final long LOGIN_POLL_MILLIS = 50;
    /** The operator's versions of the old and the new password, as the dualcred contenders' stores label them. */
    private static final String OLD_VERSION = "1";
    private static final String NEW_VERSION = "2";

    private final ServerTarget target;
    private final DrillSettings settings;
    private final Scenario scenario;
    private final Progress progress;
    private final Cleanup cleanup;
    private final Backend backend;
    private final List<Results.Step> steps = new ArrayList<>();
    private final Map<Contender, Entrant> entrants = new LinkedHashMap<>();
    private Timeline timeline;

    /** One contender's user, store, pool, load and what the drill learns about it. */
    private static final class Entrant {
        final Contender contender;
        final String user;
        final SecretDirectory secrets;
        final EventLog events = new EventLog();
        final ClientMeter meter;
        String password;
        String nextPassword;
        DrillClient client;
        Load load;
        long marker;
        long changedNanos;
        volatile OptionalDouble firstNewLogin = OptionalDouble.empty();
        OptionalInt oldSessionsAtRevoke = OptionalInt.empty();
        OptionalLong rejectedBefore = OptionalLong.empty();
        ServerTarget.FleetCheck lastFleetCheck;
        int fleetChecks;
        int fleetDisagreements;

        Entrant(Contender contender, String user, SecretDirectory secrets, int poolSize) {
            this.contender = contender;
            this.user = user;
            this.secrets = secrets;
            this.meter = new ClientMeter(contender.label(), poolSize);
        }
    }

    ScenarioDrill(ServerTarget target, DrillSettings settings, Scenario scenario, Progress progress,
                  Cleanup cleanup) {
        this.target = target;
        this.settings = settings;
        this.scenario = scenario;
        this.progress = progress;
        this.cleanup = cleanup;
        this.backend = target.backend();
    }

    Results.ScenarioRun run() throws InterruptedException {
        int mark = cleanup.mark();
        try {
            return drill();
        } finally {
            cleanup.runDownTo(mark);
        }
    }

    private Results.ScenarioRun drill() throws InterruptedException {
        String suffix = Secrets.suffix();
        ServerTarget.PoolSettings poolSettings = new ServerTarget.PoolSettings(settings.poolSize(),
                settings.connectionTimeout());
        for (Contender contender : Contender.of(backend)) {
            String user = "dualcred_drill_" + contender.label().replace('-', '_') + "_" + suffix;
            SecretDirectory secrets = contender.fixed() ? null : SecretDirectory.create(contender.label());
            Entrant entrant = new Entrant(contender, user, secrets, settings.poolSize());
            entrant.password = Secrets.password();
            target.createUser(user, entrant.password);
            cleanup.add("remove user " + user, () -> target.dropUser(user));
            if (secrets != null) {
                cleanup.add("delete the secret directory of " + user, secrets::delete);
                secrets.publish(user, entrant.password, version(contender, OLD_VERSION), null, null);
            }
            entrant.client = target.open(contender, user, entrant.password, secrets, entrant.events, poolSettings);
            cleanup.add("close the " + contender.label() + " pool", entrant.client::close);
            entrants.put(contender, entrant);
        }
        progress.line(key() + ": " + entrants.size() + " contenders, " + settings.threads() + " threads each, pool "
                + "size " + settings.poolSize() + ", connection timeout "
                + Durations.format(settings.connectionTimeout()) + "; " + scenario.summary()
                + (settings.evict() ? "; with --evict" : "; no evictConnections()"));
        for (Entrant entrant : entrants.values()) {
            entrant.rejectedBefore = target.rejectedLogins(entrant.user);
            entrant.load = new Load(key() + "-" + entrant.contender.label(), settings.threads(),
                    entrant.client.operation(), entrant.meter);
        }

        timeline = new Timeline(entrants.values().stream().map(entrant -> entrant.meter).toList());
        ScheduledExecutorService sampler = Executors.newScheduledThreadPool(2, task -> {
            Thread thread = new Thread(task, "drill-sampler");
            thread.setDaemon(true);
            return thread;
        });
        Ticker ticker = new Ticker();
        long slice = DrillSettings.SLICE.toNanos();
        long start = System.nanoTime();
        entrants.values().forEach(entrant -> entrant.load.start());
        sampler.scheduleWithFixedDelay(() -> {
            timeline.sampleIfDue(slice);
            ticker.maybeTick();
        }, 10, 10, TimeUnit.MILLISECONDS);
        double seconds;
        try {
            Pacing.sleepUntil(start + settings.warmup().toNanos());
            // HikariCP's expiry marks only the connections already in the pool (#1836): start from full pools.
            Pacing.await(FULL_POOL_TIMEOUT_MILLIS, () -> entrants.values().stream()
                    .allMatch(entrant -> entrant.client.connections() >= settings.poolSize()));
            timeline.enter(Window.BEFORE);
            Pacing.sleepUntil(System.nanoTime() + settings.steady().toNanos());
            rotate(sampler);
            Pacing.sleepUntil(System.nanoTime() + settings.after().toNanos());
        } finally {
            entrants.values().forEach(entrant -> entrant.load.stop());
            timeline.enter(Window.STOPPING);
            for (Entrant entrant : entrants.values()) {
                entrant.load.awaitStopped(settings.connectionTimeout().toMillis() + 3_000);
            }
            sampler.shutdownNow();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
            timeline.finish();
            seconds = (System.nanoTime() - start) / 1e9;
        }
        List<Results.ContenderRun> runs = results();
        return new Results.ScenarioRun(backend, scenario, seconds, List.copyOf(steps), runs, Verdict.problems(
                scenario, runs));
    }

    private void rotate(ScheduledExecutorService sampler) throws InterruptedException {
        int number = 0;
        double at = timeline.elapsedSeconds();
        for (Entrant entrant : entrants.values()) {
            entrant.nextPassword = Secrets.password();
            if (entrant.secrets != null) {
                entrant.secrets.publish(entrant.user, entrant.password, version(entrant.contender, OLD_VERSION),
                        entrant.nextPassword, version(entrant.contender, NEW_VERSION));
            }
        }
        boolean seen = Pacing.await(STATUS_TIMEOUT_MILLIS, () -> dualcred().allMatch(entrant -> status(entrant)
                .nextStaged()));
        step(++number, "stage NEXT", at, "every secret directory holds CURRENT and NEXT; "
                + (seen ? "the dualcred pools see NEXT staged" : "a dualcred pool did not see NEXT within 5 s")
                + ". The fixed pools' configuration has room for one password only.");

        at = timeline.elapsedSeconds();
        timeline.enter(Window.DURING);
        for (Entrant entrant : entrants.values()) {
            entrant.marker = target.changePassword(entrant.user, entrant.password, entrant.nextPassword);
            entrant.changedNanos = System.nanoTime();
        }
        sampler.scheduleWithFixedDelay(this::pollFirstLogins, 0, LOGIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
        step(++number, "change the password on the server", at, target.passwordChangeCommand() + " for every "
                + "contender's user; open sessions keep working, new logins need the new password");

        if (settings.evict()) {
            at = timeline.elapsedSeconds();
            List<String> evicted = new ArrayList<>();
            for (Entrant entrant : entrants.values()) {
                entrant.client.operatorEvict().ifPresent(evict -> {
                    evict.run();
                    evicted.add(entrant.contender.label());
                });
            }
            step(++number, "evict (--evict)", at, "the operator asks " + String.join(", ", evicted) + " to retire "
                    + "their connections (evictConnections() / softEvictConnections() / clear()); the fixed pools "
                    + "have nothing to move to");
        }

        long storeDelayFrom = System.nanoTime();
        if (scenario == Scenario.GAP) {
            at = timeline.elapsedSeconds();
            Map<Contender, Integer> expired = new ConcurrentHashMap<>();
            List<Thread> expiries = new ArrayList<>();
            for (Entrant entrant : entrants.values()) {
                Thread thread = new Thread(() -> expired.put(entrant.contender,
                        entrant.client.expireConnections()), "drill-expire-" + entrant.contender.label());
                expiries.add(thread);
            }
            expiries.forEach(Thread::start);
            for (Thread thread : expiries) {
                thread.join();
            }
            storeDelayFrom = System.nanoTime();
            step(++number, "connections expire", at, "every pool's connections expire at once, through the pool "
                    + "library's own expiry (" + (backend == Backend.POSTGRES ? "HikariCP softEvictConnections(), "
                    + "as maxLifetime does" : "commons-pool clear() of idle connections, as idle eviction does")
                    + "): " + entrants.keySet().stream().map(c -> c.label() + " " + expired.getOrDefault(c, 0))
                    .collect(Collectors.joining(", ")) + ". Every pool must log in again while the store still "
                    + "lists the old password as CURRENT.");
        }

        Pacing.sleepUntil(storeDelayFrom + settings.storeDelay().toNanos());
        at = timeline.elapsedSeconds();
        for (Entrant entrant : entrants.values()) {
            if (entrant.secrets != null) {
                entrant.secrets.publish(entrant.user, entrant.nextPassword, version(entrant.contender, NEW_VERSION),
                        null, null);
            }
        }
        step(++number, "promote", at, "every secret directory now holds the new password as CURRENT and no NEXT "
                + "(the dualcred stores: VERSION_CURRENT " + NEW_VERSION + ", no VERSION_NEXT), "
                + Durations.format(settings.storeDelay()) + " after the " + (scenario == Scenario.GAP ? "expiry"
                : "server change"));

        // In both orders the operator verifies before revoking, as the runbook says (9.1): with paced replacement, a
        // dualcred pool may still hold an old session for up to its replacement window after it switched.
        verify(++number);

        at = timeline.elapsedSeconds();
        timeline.enter(Window.AFTER);
        for (Entrant entrant : entrants.values()) {
            entrant.oldSessionsAtRevoke = OptionalInt.of(target.terminateSessionsOpenedBefore(entrant.user,
                    entrant.marker));
        }
        step(++number, "revoke", at, "the old passwords are already gone on the server; the sessions opened "
                + "before the change are terminated: " + entrants.values().stream().map(e -> e.contender.label()
                + " " + e.oldSessionsAtRevoke.orElse(0)).collect(Collectors.joining(", ")));
    }

    /**
     * The operator waits until no session opened before the change is left, up to {@link DrillSettings#verifyLimit()}
     * and by the same rule for every contender that can switch, then looks once more with the runbook's fleet check.
     */
    private void verify(int number) throws InterruptedException {
        double at = timeline.elapsedSeconds();
        long verifyStart = System.nanoTime();
        Map<Contender, Double> verified = new ConcurrentHashMap<>();
        Pacing.await(settings.verifyLimit().toMillis(), () -> {
            for (Entrant entrant : entrants.values()) {
                if (!entrant.contender.fixed() && !verified.containsKey(entrant.contender)
                        && openedBefore(entrant) == 0) {
                    verified.put(entrant.contender, (System.nanoTime() - verifyStart) / 1e6);
                }
            }
            return entrants.keySet().stream().filter(c -> !c.fixed()).allMatch(verified::containsKey);
        });
        step(number, "verify on the server", at, "the operator waits up to "
                + Durations.format(settings.verifyLimit()) + " (the replacement window plus "
                + Durations.format(DrillSettings.VERIFY_MARGIN) + ") until no session opened before the change is "
                + "left (" + target.sessionsView() + "): " + entrants.keySet().stream().filter(c -> !c.fixed())
                .map(c -> c.label() + (verified.containsKey(c) ? " after " + Text.millis(verified.get(c)) + " ms"
                        : " never")).collect(Collectors.joining(", ")) + "; the fixed pools cannot switch. "
                + "Then " + fleetCheck());
    }

    /**
     * How many of the contender's sessions were opened before the password change; for a dualcred contender, read
     * through the runbook's fleet check, which also counts the sessions still tagged with the old version.
     */
    private int openedBefore(Entrant entrant) {
        if (!entrant.contender.dualcred()) {
            return target.sessionsOpenedBefore(entrant.user, entrant.marker);
        }
        ServerTarget.FleetCheck check = target.fleetCheck(entrant.user, entrant.marker);
        entrant.lastFleetCheck = check;
        entrant.fleetChecks++;
        if (check.tagged("v" + OLD_VERSION) != check.openedBefore()) {
            entrant.fleetDisagreements++;
        }
        return check.openedBefore();
    }

    /** The operator's last look before revoking: the runbook's fleet check, once more, for every dualcred contender. */
    private String fleetCheck() {
        dualcred().forEach(this::openedBefore);
        return "the runbook's fleet check (" + target.fleetCheckCommand() + ") lists as still on " + oldTag() + ": "
                + dualcred().map(entrant -> entrant.contender.label() + " " + entrant.lastFleetCheck.tagged("v"
                + OLD_VERSION) + " (opened before the change: " + entrant.lastFleetCheck.openedBefore() + "; on "
                + "v" + NEW_VERSION + ": " + entrant.lastFleetCheck.tagged("v" + NEW_VERSION) + ")")
                .collect(Collectors.joining(", ")) + ".";
    }

    private static String oldTag() {
        return "[dualcred:v" + OLD_VERSION + "]";
    }

    /** @return the version a dualcred contender's store labels the password with; the others' stores have none */
    private static String version(Contender contender, String version) {
        return contender.dualcred() ? version : null;
    }

    /** Runs on the sampler: asks the server which users have a session with the new password yet. */
    private void pollFirstLogins() {
        for (Entrant entrant : entrants.values()) {
            if (entrant.firstNewLogin.isEmpty()) {
                try {
                    entrant.firstNewLogin = target.firstLoginAfter(entrant.user, entrant.marker,
                            entrant.changedNanos);
                } catch (RuntimeException e) {
                    // the next poll asks again
                }
            }
        }
    }

    private List<Results.ContenderRun> results() throws InterruptedException {
        // The server may write its log line for a rejected login just after the client saw the rejection.
        Pacing.await(3_000, () -> dualcred().allMatch(entrant -> rejected(entrant).orElse(Long.MAX_VALUE)
                >= status(entrant).counters().rejectedLogins()));
        pollFirstLogins();
        double fixedBefore = timeline.stats(Contender.FIXED.label(), Window.BEFORE).okPerSecond();
        List<Results.ContenderRun> runs = new ArrayList<>();
        for (Entrant entrant : entrants.values()) {
            String label = entrant.contender.label();
            Map<Window, WindowStats> windows = new EnumMap<>(Window.class);
            for (Window window : Window.values()) {
                windows.put(window, timeline.stats(label, window));
            }
            List<Results.FailureKind> failures = new ArrayList<>();
            entrant.meter.failures().forEach((kind, failure) -> failures.add(new Results.FailureKind(kind,
                    failure.count(), failure.example())));
            failures.sort((a, b) -> Long.compare(b.count(), a.count()));
            List<Timeline.Sample> samples = timeline.samples(label);
            runs.add(new Results.ContenderRun(entrant.contender, entrant.contender.description(backend, target.topology()),
                    entrant.user, windows, timeline.total(label), samples, failures, rejected(entrant),
                    entrant.firstNewLogin, Dip.of(samples, DrillSettings.SLICE),
                    windows.get(Window.BEFORE).okPerSecond() / fixedBefore, entrant.oldSessionsAtRevoke,
                    entrant.events.counts(), Optional.ofNullable(entrant.lastFleetCheck).map(check ->
                            new Results.FleetCheck(oldTag(), check.tagged("v" + OLD_VERSION),
                                    check.tagged("v" + NEW_VERSION), check.openedBefore(), entrant.fleetChecks,
                                    entrant.fleetDisagreements))));
        }
        return runs;
    }

    private OptionalLong rejected(Entrant entrant) {
        OptionalLong now = target.rejectedLogins(entrant.user);
        return now.isPresent() && entrant.rejectedBefore.isPresent()
                ? OptionalLong.of(now.getAsLong() - entrant.rejectedBefore.getAsLong()) : OptionalLong.empty();
    }

    private java.util.stream.Stream<Entrant> dualcred() {
        return entrants.values().stream().filter(entrant -> entrant.contender.dualcred());
    }

    private String key() {
        return backend.key() + " " + scenario.key();
    }

    private void step(int number, String name, double atSeconds, String detail) {
        steps.add(new Results.Step(number, name, atSeconds, detail));
        progress.step(key(), atSeconds, number, name, detail);
    }

    private static RotationStatus status(Entrant entrant) {
        return entrant.client.status().orElseThrow();
    }

    /** Prints every contender's load of the last second or so. Runs on the sampler thread. */
    private final class Ticker {
        private long lastNanos = System.nanoTime();
        private final Map<Contender, long[]> last = new EnumMap<>(Contender.class);

        void maybeTick() {
            long now = System.nanoTime();
            if (now - lastNanos < 990_000_000L) {
                return;
            }
            double seconds = (now - lastNanos) / 1e9;
            List<Progress.Rate> rates = new ArrayList<>();
            for (Entrant entrant : entrants.values()) {
                long ok = entrant.meter.succeeded();
                long failed = entrant.meter.failed();
                long[] previous = last.getOrDefault(entrant.contender, new long[2]);
                rates.add(new Progress.Rate(entrant.contender.label(), (ok - previous[0]) / seconds,
                        failed - previous[1]));
                last.put(entrant.contender, new long[] {ok, failed});
            }
            progress.tick(key(), timeline.elapsedSeconds(), timeline.window(), rates);
            lastNanos = now;
        }
    }

    /** Counts a dualcred pool's rotation events by type. */
    private static final class EventLog implements RotationListener {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        @Override
        public void onEvent(RotationEvent event) {
            counts.computeIfAbsent(event.getClass().getSimpleName(), name -> new LongAdder()).increment();
        }

        Map<String, Long> counts() {
            Map<String, Long> sorted = new TreeMap<>();
            counts.forEach((name, count) -> sorted.put(name, count.sum()));
            return sorted;
        }
    }
}
