package io.dualcred.drill;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drills one backend: a plain pool and a dualcred pool under the same load against the same server, while the
 * operator's runbook rotates the passwords of both pools' users.
 *
 * <p>The runbook, per rotation:
 * <ol>
 *   <li>stage NEXT in the secret store (the plain pool's configuration has no place for it);</li>
 *   <li>change the password on the server (open sessions keep working);</li>
 *   <li>ask the dualcred pool to retire its connections and wait until it has switched to NEXT;</li>
 *   <li>verify on the server that no dualcred session from before the change is left;</li>
 *   <li>promote NEXT to CURRENT in the secret store;</li>
 *   <li>revoke: the old password is already gone, so terminate every session opened before the change. The plain
 *       pool now has to log in again, with the password it was configured with.</li>
 * </ol>
 */
final class BackendDrill {

    private static final long STATUS_TIMEOUT_MILLIS = 5_000;
    private static final long SWITCH_TIMEOUT_MILLIS = 15_000;
    private static final long DRAIN_TIMEOUT_MILLIS = 10_000;
    private static final Duration AFTER_AT_LEAST = Duration.ofSeconds(1);

    private final ServerTarget target;
    private final DrillSettings settings;
    private final Progress progress;
    private final Cleanup cleanup;
    private final Backend backend;
    private final List<Results.Step> steps = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<OptionalDouble> switchTimes = new ArrayList<>();
    private final EventLog events = new EventLog();

    private Timeline timeline;

    BackendDrill(ServerTarget target, DrillSettings settings, Progress progress, Cleanup cleanup) {
        this.target = target;
        this.settings = settings;
        this.progress = progress;
        this.cleanup = cleanup;
        this.backend = target.backend();
    }

    Results.BackendRun run() throws InterruptedException {
        int mark = cleanup.mark();
        try {
            return drill();
        } finally {
            cleanup.runDownTo(mark);
        }
    }

    private Results.BackendRun drill() throws InterruptedException {
        String suffix = Secrets.suffix();
        Account plainUser = new Account("dualcred_drill_plain_" + suffix, Secrets.password());
        Account dualUser = new Account("dualcred_drill_dualcred_" + suffix, Secrets.password());
        progress.line(backend.key() + ": " + target.description());
        for (Account account : List.of(plainUser, dualUser)) {
            target.createUser(account.user, account.password);
            cleanup.add("remove user " + account.user, () -> target.dropUser(account.user));
        }
        DrillSecretStore store = new DrillSecretStore(Credential.of(dualUser.user, dualUser.password));
        ServerTarget.PoolSettings poolSettings = new ServerTarget.PoolSettings(settings.poolSize(),
                settings.connectionTimeout());
        DrillClient plain = target.openPlain(plainUser.user, plainUser.password, poolSettings);
        cleanup.add("close the plain pool", plain::close);
        DrillClient dualcred = target.openDualcred(dualUser.user, store, events, poolSettings);
        cleanup.add("close the dualcred pool", dualcred::close);
        progress.line(backend.key() + ": plain pool logs in as " + plainUser.user + " (one fixed password); "
                + "dualcred pool as " + dualUser.user + " (from the " + store.description() + "); "
                + settings.threads() + " threads each, pool size " + settings.poolSize() + ", connection timeout "
                + Durations.format(settings.connectionTimeout()));

        OptionalLong plainRejectedBefore = target.rejectedLogins(plainUser.user);
        OptionalLong dualRejectedBefore = target.rejectedLogins(dualUser.user);

        ClientMeter plainMeter = new ClientMeter("plain");
        ClientMeter dualMeter = new ClientMeter("dualcred");
        Load plainLoad = new Load(backend.key() + "-plain", settings.threads(), plain.operation(), plainMeter);
        Load dualLoad = new Load(backend.key() + "-dualcred", settings.threads(), dualcred.operation(), dualMeter);
        timeline = new Timeline(List.of(plainMeter, dualMeter));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "drill-sampler");
            thread.setDaemon(true);
            return thread;
        });
        Ticker ticker = new Ticker(plainMeter, dualMeter);
        long period = settings.samplePeriod().toMillis();
        long start = System.nanoTime();
        plainLoad.start();
        dualLoad.start();
        sampler.scheduleWithFixedDelay(() -> {
            timeline.sampleIfDue(period * 1_000_000 / 2);
            ticker.maybeTick();
        }, period, period / 4, TimeUnit.MILLISECONDS);
        double seconds;
        try {
            Pacing.sleepUntil(start + settings.warmup().toNanos());
            timeline.enter(Window.BEFORE);
            long lastRevoked = start;
            for (int k = 1; k <= settings.rotations(); k++) {
                Pacing.sleepUntil(start + settings.rotationStart(k).toNanos());
                Account nextPlain = new Account(plainUser.user, Secrets.password());
                Account nextDual = new Account(dualUser.user, Secrets.password());
                rotate(k, store, dualcred, plainUser, nextPlain, dualUser, nextDual);
                lastRevoked = System.nanoTime();
                plainUser = nextPlain;
                dualUser = nextDual;
            }
            Pacing.sleepUntil(Math.max(start + settings.duration().toNanos(),
                    lastRevoked + AFTER_AT_LEAST.toNanos()));
        } finally {
            plainLoad.stop();
            dualLoad.stop();
            timeline.enter(Window.STOPPING);
            plainLoad.awaitStopped(settings.connectionTimeout().toMillis() + 3_000);
            dualLoad.awaitStopped(settings.connectionTimeout().toMillis() + 3_000);
            sampler.shutdownNow();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
            timeline.finish();
            seconds = (System.nanoTime() - start) / 1e9;
        }

        RotationStatus status = dualcred.status().orElseThrow();
        // The server may write its log line for the last rejected login just after the client saw the rejection.
        Thread.sleep(200);
        OptionalLong plainRejected = delta(target.rejectedLogins(plainUser.user), plainRejectedBefore);
        OptionalLong dualRejected = delta(target.rejectedLogins(dualUser.user), dualRejectedBefore);
        String dualSource = "server";
        if (dualRejected.isEmpty()) {
            dualRejected = OptionalLong.of(status.counters().rejectedLogins());
            dualSource = "engine";
        }
        Results.Client plainResult = client(plainMeter, plainUser.user, plainRejected,
                plainRejected.isPresent() ? "server" : "n/a", null);
        Results.Client dualResult = client(dualMeter, dualUser.user, dualRejected, dualSource, status);

        if (dualResult.total().failed() > 0) {
            problems.add("the dualcred pool failed " + Text.count(dualResult.total().failed()) + " operations");
        }
        if (plainResult.total().failed() == 0) {
            problems.add("the plain pool failed no operation: the revocation did not reach it, so the drill proves "
                    + "nothing");
        }
        double ratio = dualResult.windows().get(Window.BEFORE).okPerSecond()
                / plainResult.windows().get(Window.BEFORE).okPerSecond();
        return new Results.BackendRun(backend, target.description(), seconds, List.copyOf(steps), plainResult,
                dualResult, ratio, List.copyOf(problems));
    }

    private void rotate(int k, DrillSecretStore store, DrillClient dualcred, Account plainOld, Account plainNew,
                        Account dualOld, Account dualNew) throws InterruptedException {
        String prefix = settings.rotations() > 1 ? "rotation " + k + ": " : "";

        double at = timeline.elapsedSeconds();
        store.stage(Credential.of(dualNew.user, dualNew.password));
        boolean seen = Pacing.await(STATUS_TIMEOUT_MILLIS, () -> status(dualcred).nextStaged());
        step(1, prefix + "stage NEXT", at, "the secret store holds CURRENT and NEXT for " + dualNew.user
                + (seen ? "; the dualcred pool sees NEXT staged (source revision " + status(dualcred).sourceRevision()
                + ")" : "; the dualcred pool did not see it within 5 s")
                + ". The plain pool's configuration has room for one password only.");

        long switchesBefore = status(dualcred).counters().switches();
        at = timeline.elapsedSeconds();
        timeline.enter(Window.DURING);
        long plainMarker = target.changePassword(plainOld.user, plainOld.password, plainNew.password);
        long dualMarker = target.changePassword(dualOld.user, dualOld.password, dualNew.password);
        Instant changed = Instant.now();
        step(2, prefix + "change the password on the server", at, target.passwordChangeCommand() + " for "
                + plainOld.user + " and " + dualOld.user + "; open sessions keep working, new logins need the new "
                + "password");

        at = timeline.elapsedSeconds();
        dualcred.evictConnections();
        // The event follows the status counter by a moment: wait for both.
        boolean switched = Pacing.await(SWITCH_TIMEOUT_MILLIS,
                () -> status(dualcred).counters().switches() > switchesBefore
                        && events.switchedAfter(changed).isPresent());
        OptionalDouble switchMillis = events.switchedAfter(changed)
                .map(time -> OptionalDouble.of(Duration.between(changed, time).toNanos() / 1e6))
                .orElse(OptionalDouble.empty());
        switchTimes.add(switchMillis);
        if (switched) {
            RotationStatus status = status(dualcred);
            step(3, prefix + "wait for the switch", at, "evictConnections() on the dualcred pool; its next login "
                    + "was rejected (" + events.lastRejectionCode() + "), NEXT was accepted: now on "
                    + status.activeSlot() + " " + status.activeUsername() + ", "
                    + Text.millis(switchMillis.orElse(Double.NaN)) + " ms after the server change");
        } else {
            problems.add((prefix + "the dualcred pool did not switch within " + SWITCH_TIMEOUT_MILLIS / 1000 + " s")
                    .trim());
            step(3, prefix + "wait for the switch", at, "evictConnections() on the dualcred pool; NO SWITCH within "
                    + SWITCH_TIMEOUT_MILLIS / 1000 + " s");
        }

        at = timeline.elapsedSeconds();
        long drainStart = System.nanoTime();
        boolean drained = Pacing.await(DRAIN_TIMEOUT_MILLIS,
                () -> target.sessionsOpenedBefore(dualOld.user, dualMarker) == 0);
        step(4, prefix + "verify on the server", at, drained
                ? "no session of " + dualOld.user + " opened before the change is left (" + target.sessionsView()
                + ", " + Text.millis((System.nanoTime() - drainStart) / 1e6) + " ms)"
                : target.sessionsOpenedBefore(dualOld.user, dualMarker) + " sessions of " + dualOld.user
                + " from before the change still open after " + DRAIN_TIMEOUT_MILLIS / 1000 + " s");

        at = timeline.elapsedSeconds();
        store.promote();
        Pacing.await(STATUS_TIMEOUT_MILLIS, () -> status(dualcred).activeSlot() == Slot.CURRENT
                && !status(dualcred).nextStaged());
        RotationStatus promoted = status(dualcred);
        step(5, prefix + "promote", at, "the secret store now holds the new password as CURRENT and no NEXT; "
                + "dualcred status: " + promoted.activeSlot() + " " + promoted.activeUsername() + ", "
                + promoted.counters().promotions() + " promotion(s)");

        at = timeline.elapsedSeconds();
        timeline.enter(Window.AFTER);
        int plainTerminated = target.terminateSessionsOpenedBefore(plainOld.user, plainMarker);
        int dualTerminated = target.terminateSessionsOpenedBefore(dualOld.user, dualMarker);
        step(6, prefix + "revoke", at, "the old passwords are already gone on the server; terminated the sessions "
                + "opened before the change: plain " + plainTerminated + ", dualcred " + dualTerminated
                + ". The plain pool must log in again with the password it was configured with.");
    }

    private Results.Client client(ClientMeter meter, String user, OptionalLong rejected, String rejectedSource,
                                  RotationStatus status) {
        Map<Window, WindowStats> windows = new EnumMap<>(Window.class);
        for (Window window : Window.values()) {
            windows.put(window, timeline.stats(meter.label(), window));
        }
        List<Results.FailureKind> failures = new ArrayList<>();
        meter.failures().forEach((kind, failure) -> failures.add(new Results.FailureKind(kind, failure.count(),
                failure.example())));
        failures.sort((a, b) -> Long.compare(b.count(), a.count()));
        boolean dual = status != null;
        return new Results.Client(meter.label(), user, windows, timeline.total(meter.label()),
                timeline.samples(meter.label()), failures, rejected, rejectedSource,
                dual ? OptionalLong.of(status.counters().sourceLoads()) : OptionalLong.empty(),
                dual ? List.copyOf(switchTimes) : List.of(),
                dual ? OptionalLong.of(status.counters().switches()) : OptionalLong.empty(),
                dual ? OptionalLong.of(status.counters().promotions()) : OptionalLong.empty(),
                dual ? events.counts() : Map.of());
    }

    private void step(int number, String name, double atSeconds, String detail) {
        steps.add(new Results.Step(number, name, atSeconds, detail));
        progress.step(backend, atSeconds, number, name, detail);
    }

    private static RotationStatus status(DrillClient client) {
        return client.status().orElseThrow();
    }

    private static OptionalLong delta(OptionalLong after, OptionalLong before) {
        return after.isPresent() && before.isPresent() ? OptionalLong.of(after.getAsLong() - before.getAsLong())
                : OptionalLong.empty();
    }

    /** A user and one of its passwords. */
    private record Account(String user, String password) {
    }

    /** Prints the load of the last second or so. Runs on the sampler thread. */
    private final class Ticker {
        private final ClientMeter plain;
        private final ClientMeter dualcred;
        private long lastNanos = System.nanoTime();
        private long plainOk;
        private long plainFailed;
        private long dualOk;
        private long dualFailed;

        Ticker(ClientMeter plain, ClientMeter dualcred) {
            this.plain = plain;
            this.dualcred = dualcred;
        }

        void maybeTick() {
            long now = System.nanoTime();
            if (now - lastNanos < 990_000_000L) {
                return;
            }
            double seconds = (now - lastNanos) / 1e9;
            long pOk = plain.succeeded();
            long pFailed = plain.failed();
            long dOk = dualcred.succeeded();
            long dFailed = dualcred.failed();
            progress.tick(backend, timeline.elapsedSeconds(), timeline.window(),
                    new Progress.Rate((pOk - plainOk) / seconds, pFailed - plainFailed),
                    new Progress.Rate((dOk - dualOk) / seconds, dFailed - dualFailed));
            lastNanos = now;
            plainOk = pOk;
            plainFailed = pFailed;
            dualOk = dOk;
            dualFailed = dFailed;
        }
    }

    /** Listens to the dualcred pool's rotation events: counts them and remembers switches and rejection codes. */
    private static final class EventLog implements RotationListener {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        private final List<Instant> switches = new CopyOnWriteArrayList<>();
        private volatile String lastRejectionCode = "?";

        @Override
        public void onEvent(RotationEvent event) {
            counts.computeIfAbsent(event.getClass().getSimpleName(), name -> new LongAdder()).increment();
            if (event instanceof RotationEvent.CredentialSwitched) {
                switches.add(event.time());
            } else if (event instanceof RotationEvent.CredentialRejected) {
                lastRejectionCode = ((RotationEvent.CredentialRejected) event).code();
            }
        }

        java.util.Optional<Instant> switchedAfter(Instant instant) {
            return switches.stream().filter(time -> !time.isBefore(instant.minusMillis(1))).findFirst();
        }

        String lastRejectionCode() {
            return lastRejectionCode;
        }

        Map<String, Long> counts() {
            Map<String, Long> sorted = new TreeMap<>();
            counts.forEach((name, count) -> sorted.put(name, count.sum()));
            return sorted;
        }
    }
}
