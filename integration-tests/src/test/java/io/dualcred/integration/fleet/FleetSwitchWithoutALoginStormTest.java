package io.dualcred.integration.fleet;

import static io.dualcred.integration.support.Eventually.within;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationControl;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fleet of 50 pools of 8 connections on one server, all switched by one promotion of their common store, as when
 * every instance of a service reads the same secret: without pacing, every pool replaces its 8 connections at once
 * and the server takes the fleet's 400 logins as fast as it can; with a replacement window they are spread over it. Either way no operation fails and, once the window has passed, no session of the old version is
 * left. The logins per second are counted by the server: PostgreSQL's {@code backend_start} of the new sessions,
 * Redis's {@code total_connections_received} sampled while the fleet switches.
 */
@ExtendWith(NoSecretLeaks.class)
class FleetSwitchWithoutALoginStormTest {

    private static final int POOLS = 50;
    private static final int SIZE = 8;
    private static final int LOAD_THREADS = 6;
    /**
     * Twice the default: on this kind of two-core machine PostgreSQL completes about 100 SCRAM logins per second,
     * so the fleet's 400 logins take four to five seconds even unpaced, and only a longer window shows the pacing.
     */
    private static final Duration WINDOW = Duration.ofSeconds(10);
    /** Beyond the window: the last replacement's login and hand-over, on a busy two-core machine. */
    private static final Duration SLACK = Duration.ofSeconds(3);
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** What the server saw of one switch. */
    private record Switch(int peakLoginsPerSecond, Duration untilNoOldSession, long failures) {
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void onePromotionSwitchesFiftyPoolsWithTheirLoginsSpreadOverTheWindow(PoolKind kind) throws Exception {
        Switch unpaced = switchFleet(kind, Duration.ZERO);
        Switch paced = switchFleet(kind, WINDOW);

        Report.line("login storm (%s): %d pools x %d connections, one promotion: peak %d logins/s without pacing "
                        + "(no old session after %d ms), %d logins/s with a %d s window (no old session after %d ms)",
                kind.sharedServer().product(), POOLS, SIZE, unpaced.peakLoginsPerSecond(),
                unpaced.untilNoOldSession().toMillis(), paced.peakLoginsPerSecond(), WINDOW.toSeconds(),
                paced.untilNoOldSession().toMillis());
        for (Switch run : List.of(unpaced, paced)) {
            assertThat(run.failures()).as("failed operations").isZero();
        }
        assertThat(paced.untilNoOldSession()).as("time from the promotion until no old session was left")
                .isLessThanOrEqualTo(WINDOW.plus(SLACK));
        // The fleet's logins spread evenly would be 400 / 10 s = 40 per second; twice that allows for the random
        // moments bunching up. The unpaced figure is reported, not asserted: it is the machine's login speed.
        long evenRate = (long) POOLS * SIZE / WINDOW.toSeconds();
        assertThat(paced.peakLoginsPerSecond()).as("peak logins per second with pacing")
                .isLessThanOrEqualTo((int) (2 * evenRate));
    }

    private static Switch switchFleet(PoolKind kind, Duration window) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "storm");
        Credential current = account.currentCredential().withVersion("1");
        Credential next = account.nextCredential().withVersion("2");
        MutableSource store = MutableSource.holding("storm", current);
        List<PoolUnderTest> pools = new ArrayList<>();
        Load load = null;
        LoginCounter counter = kind.isRedis() ? new RedisLoginCounter() : null;
        try {
            for (int i = 0; i < POOLS; i++) {
                PoolUnderTest pool = kind.open(server, PoolSpec.of("storm-" + i, store)
                        .size(SIZE)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .fleetMember(window));
                pools.add(pool);
                // A pool of each kind fills up under a load as wide as the pool.
                Load warmUp = Load.start(pool, SIZE);
                pool.awaitFull();
                warmUp.close();
            }
            // The application's work, spread over every pool by a few threads: one busy thread per pool would take
            // the two cores from the server's logins, and the server would look slow rather than stormed.
            load = Load.start(new EveryPoolInTurn(pools), LOAD_THREADS);
            within("the fleet's " + POOLS * SIZE + " sessions", Duration.ofSeconds(60))
                    .until(() -> oldSessions(kind, account.user(), "v1") == POOLS * SIZE);
            server.addNextPassword(account.user(), account.next());
            store.set(current, next);
            server.replacePassword(account.user(), account.current(), account.next());
            if (counter != null) {
                counter.start();
            }
            Instant promotion = Instant.now();
            long promoted = System.nanoTime();
            store.set(next);

            within("no session of version 1 left", WINDOW.plus(SLACK).plus(Duration.ofSeconds(30)))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> oldSessions(kind, account.user(), "v1") == 0);
            Duration untilNoOld = Duration.ofNanos(System.nanoTime() - promoted);
            load.awaitSuccesses(POOLS);
            load.close();
            long failures = load.failures();
            int peak = counter != null ? counter.stop()
                    : postgresPeak(account.user(), promotion.minus(SECOND));
            return new Switch(peak, untilNoOld, failures);
        } finally {
            if (counter != null) {
                counter.stop();
            }
            if (load != null) {
                load.close();
            }
            pools.forEach(PoolUnderTest::close);
        }
    }

    /** @return how many of the user's sessions the server shows with this version's tag */
    private static int oldSessions(PoolKind kind, String user, String version) {
        String tag = "[dualcred:" + version + "]";
        List<String> names = kind.isRedis()
                ? RedisServer.shared().clients().stream().filter(client -> user.equals(client.user()))
                        .map(RedisServer.ClientInfo::name).toList()
                : PostgresServer.shared().sessions(user).stream().map(PostgresServer.Session::applicationName)
                        .toList();
        names.forEach(Exposure::sessionName);
        return (int) names.stream().filter(name -> name.endsWith(tag)).count();
    }

    /** The most sessions of the user that started within any one second since {@code from}, by backend_start. */
    private static int postgresPeak(String user, Instant from) {
        List<Instant> starts = PostgresServer.shared().sessions(user).stream()
                .map(PostgresServer.Session::backendStart).filter(start -> start.isAfter(from)).sorted().toList();
        return peakWithinOneSecond(starts);
    }

    static int peakWithinOneSecond(List<Instant> sortedMoments) {
        int peak = 0;
        int first = 0;
        for (int last = 0; last < sortedMoments.size(); last++) {
            while (Duration.between(sortedMoments.get(first), sortedMoments.get(last)).compareTo(SECOND) >= 0) {
                first++;
            }
            peak = Math.max(peak, last - first + 1);
        }
        return peak;
    }

    /** The whole fleet as one pool for {@link Load}: each operation goes to the next pool in turn. */
    private static final class EveryPoolInTurn implements PoolUnderTest {

        private final List<PoolUnderTest> pools;
        private final AtomicInteger turn = new AtomicInteger();

        EveryPoolInTurn(List<PoolUnderTest> pools) {
            this.pools = List.copyOf(pools);
        }

        private PoolUnderTest next() {
            return pools.get(Math.floorMod(turn.getAndIncrement(), pools.size()));
        }

        @Override
        public String name() {
            return "fleet of " + pools.size();
        }

        @Override
        public PoolKind kind() {
            return pools.get(0).kind();
        }

        @Override
        public void operation(int worker) throws Exception {
            next().operation(worker);
        }

        @Override
        public String loggedInAs() throws Exception {
            return next().loggedInAs();
        }

        @Override
        public RotationControl rotation() {
            throw new UnsupportedOperationException("each pool of the fleet has its own");
        }

        @Override
        public int expireConnections() {
            throw new UnsupportedOperationException("each pool of the fleet has its own");
        }

        @Override
        public int connections() {
            return pools.stream().mapToInt(PoolUnderTest::connections).sum();
        }

        @Override
        public int maximumSize() {
            return pools.size() * pools.get(0).maximumSize();
        }

        @Override
        public boolean isEveryCredentialRejected(Throwable failure) {
            return pools.get(0).isEveryCredentialRejected(failure);
        }

        @Override
        public void close() {
            pools.forEach(PoolUnderTest::close);
        }
    }

    /** Counts logins as the server does, while the fleet switches. */
    private interface LoginCounter {
        void start();

        /** @return the peak of logins in any one second since {@link #start()}; idempotent */
        int stop() throws InterruptedException;
    }

    /**
     * Samples Redis's {@code total_connections_received} every 20 ms on a thread of its own. Each sample opens one
     * admin connection, which the server counts too: those are taken out again.
     */
    private static final class RedisLoginCounter implements LoginCounter {

        private final List<long[]> samples = new ArrayList<>();
        private ScheduledExecutorService sampler;
        private Integer peak;

        @Override
        public void start() {
            sampler = Executors.newSingleThreadScheduledExecutor(task -> new Thread(task, "storm-login-counter"));
            sampler.scheduleWithFixedDelay(() -> {
                long received = connectionsReceived();
                synchronized (samples) {
                    samples.add(new long[] {System.nanoTime(), received});
                }
            }, 0, 20, TimeUnit.MILLISECONDS);
        }

        @Override
        public int stop() throws InterruptedException {
            if (peak != null || sampler == null) {
                return peak == null ? 0 : peak;
            }
            sampler.shutdown();
            assertThat(sampler.awaitTermination(10, TimeUnit.SECONDS)).as("the login counter stopped").isTrue();
            int most = 0;
            synchronized (samples) {
                int first = 0;
                for (int last = 0; last < samples.size(); last++) {
                    while (samples.get(last)[0] - samples.get(first)[0] > Duration.ofSeconds(1).toNanos()) {
                        first++;
                    }
                    long logins = samples.get(last)[1] - samples.get(first)[1] - (last - first);
                    most = (int) Math.max(most, logins);
                }
            }
            peak = most;
            return most;
        }

        private static long connectionsReceived() {
            String info = (String) RedisServer.shared().execute("INFO", "stats");
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("total_connections_received:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
            }
            throw new IllegalStateException("INFO stats has no total_connections_received");
        }
    }
}
