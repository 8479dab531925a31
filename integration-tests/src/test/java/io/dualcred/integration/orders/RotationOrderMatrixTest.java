package io.dualcred.integration.orders;

import static io.dualcred.integration.support.Eventually.eventually;
import static io.dualcred.integration.support.Eventually.within;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSizeSampler;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.SecretDirectory;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 8, the order matrix: a rotation that nobody helps along. The operator never calls
 * {@code evictConnections()}; the pool must retire the sessions opened with the old password by itself, soon enough
 * that revoking the old password right after the promotion fails nothing.
 *
 * <p>Two orders in which the secret store and the server learn about the new password, each with the store
 * promoting it 0, 2 or 10 seconds after the server changed:
 * <ul>
 *   <li>{@link Order#STORE_FIRST}: the store stages NEXT, the server changes, the store promotes. No new login is
 *   needed in between, so nothing forces the pool to notice the change: it learns it from the promotion.</li>
 *   <li>{@link Order#GAP}: the same, but in between the pool's connections expire (what {@code maxLifetime} or
 *   commons-pool's idle eviction do) and it must log in again while the store still lists the old password as
 *   CURRENT.</li>
 * </ul>
 * The server change is the runbook's: PostgreSQL {@code ALTER ROLE ... PASSWORD} (old logins rejected from then on);
 * Redis {@code ACL SETUSER >next} (both accepted until the revocation removes the old one). After the promotion the
 * operator checks the server for sessions opened before the change (given 10 s), then revokes: PostgreSQL
 * {@code pg_terminate_backend}, Redis {@code ACL SETUSER <old} and {@code CLIENT KILL ID}, for every session opened
 * before the change.
 *
 * <p>Per cell: no operation fails, the server rejects no login (one at most when the expiry forces logins during the
 * gap), the check comes true by itself within 10 s of the promotion, and the pool never has fewer connections than
 * before while it replaces them.
 */
@ExtendWith(NoSecretLeaks.class)
class RotationOrderMatrixTest {

    /** How long the operator's check after the promotion may take: the runbook tells operators "seconds". */
    private static final Duration VERIFY_LIMIT = Duration.ofSeconds(10);
    /** How long the load keeps running once the old sessions were killed, for their callers to fail if any. */
    private static final Duration AFTER_REVOCATION = Duration.ofSeconds(1);
    private static final int WARM_UP_OPERATIONS = 500;
    /**
     * The matrix is about the order of a rotation's steps, not about pacing (the fleet tests pace over 10 s, and the
     * drill runs the 5 s default): a 1 s window keeps make-before-break and the pacing in play and saves about 4 s a
     * cell.
     */
    private static final Duration REPLACEMENT_WINDOW = Duration.ofSeconds(1);
    private static final Queue<String> SUMMARY = new ConcurrentLinkedQueue<>();

    /** When, relative to the server change, the pool needs new logins. */
    enum Order {
        /** Store stages NEXT, server changes, store promotes; the pool opens no connection on its own meanwhile. */
        STORE_FIRST,
        /** As above, but connections expire after the server change, before the store promotes. */
        GAP
    }

    /**
     * Every cell, or those chosen with {@code -Ddualcred.matrix.kinds=POSTGRES,JEDIS_POOL},
     * {@code -Ddualcred.matrix.orders=GAP}, {@code -Ddualcred.matrix.delays=0,10}.
     */
    static Stream<Arguments> cells() {
        return PoolKind.all().filter(kind -> chosen("kinds", kind.name()))
                .flatMap(kind -> Stream.of(Order.values()).filter(order -> chosen("orders", order.name()))
                        .flatMap(order -> IntStream.of(0, 2, 10).filter(delay -> chosen("delays", "" + delay))
                                .mapToObj(delay -> Arguments.of(kind, order, delay))));
    }

    private static boolean chosen(String dimension, String value) {
        String wanted = System.getProperty("dualcred.matrix." + dimension, "").trim();
        return wanted.isEmpty() || Arrays.stream(wanted.split(",")).map(String::trim).anyMatch(value::equals);
    }

    @ParameterizedTest(name = "{0}, {1}, store promotes {2} s after the server change")
    @MethodSource("cells")
    void thePoolRetiresItsOldSessionsByItselfSoRevokingRightAfterThePromotionFailsNothing(PoolKind kind, Order order,
                                                                                       int storeDelaySeconds) {
        String cell = kind + " " + order + " " + storeDelaySeconds + " s";
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "matrix");
        SecretDirectory volume = account.volume("matrix");
        try (PoolUnderTest pool = kind.open(server,
                PoolSpec.of("matrix-" + kind + "-" + order + "-" + storeDelaySeconds, volume.source())
                        .rotation(RotationConfig.custom()
                                .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                                .replacementWindow(REPLACEMENT_WINDOW)
                                .build()));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(WARM_UP_OPERATIONS);
            eventually(cell + ": the pool to hold its " + PoolSpec.SIZE + " connections")
                    .until(() -> pool.connections() >= PoolSpec.SIZE);

            // The runbook's first step: NEXT in the store, and every instance has read it before the server changes.
            volume.stageNext(null, account.next());
            eventually(cell + ": the watch to show NEXT staged").until(() -> pool.status().nextStaged());

            ServerAdmin.Mark serverChange = server.mark();
            changePasswordOnServer(kind, server, account);

            PoolSizeSampler sampler;
            int expired = 0;
            if (order == Order.GAP) {
                expired = letConnectionsExpire(cell, server, pool, account.user());
                sampler = sessionsOnTheServer(server, pool, account.user());
                loadRunsFor(load, Duration.ofSeconds(storeDelaySeconds), cell + ": the store's delay");
            } else {
                loadRunsFor(load, Duration.ofSeconds(storeDelaySeconds), cell + ": the store's delay");
                sampler = sessionsOnTheServer(server, pool, account.user());
            }

            volume.holdCurrent(account.user(), account.next());
            Check check = Check.noSessionOpenedBefore(cell, server, account.user(), serverChange);
            sampler.stop();

            // The operator revokes, as if the check had passed (after a failed check it shows what revoking costs).
            Load.Checkpoint beforeRevocation = load.checkpoint();
            server.removeOldPassword(account.user(), account.current());
            server.killSessionsOpenedBefore(account.user(), serverChange);
            loadRunsFor(load, AFTER_REVOCATION, cell + ": after the revocation");
            load.close();

            Exposure.status(pool.status());
            long rejected = rejectedLoginsOnceTheServerLogCaughtUp(server, pool, account.user());
            long allowedRejections = order == Order.GAP ? 1 : 0;
            boolean passed = load.failures() == 0 && rejected <= allowedRejections && check.cameTrue()
                    && sampler.minimum() >= sampler.baseline();
            Report.line("order matrix %s: %d failed operations (%d after the revocation, which found %d old "
                            + "sessions), %d logins rejected by the server, promotion to verify %s, smallest pool %d "
                            + "of %d before (%d samples), %d operations, %d connections expired in the gap", cell,
                    load.failures(), load.failuresSince(beforeRevocation), check.sessionsLeft(), rejected, check,
                    sampler.minimum(), sampler.baseline(), sampler.samples(), load.successes(), expired);
            SUMMARY.add(String.format("%-12s %-11s %5d s | %6d | %8d | %-18s | %4d / %-4d | %7d | %s", kind, order,
                    storeDelaySeconds, load.failures(), rejected, check, sampler.minimum(), sampler.baseline(),
                    load.successes(), passed ? "pass" : "FAIL"));

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(load.failures())
                    .as("%s: failed operations (%d after revoking); the first: %s", cell,
                            load.failuresSince(beforeRevocation), load.someFailures())
                    .isZero();
            softly.assertThat(rejected)
                    .as("%s: logins the server rejected", cell)
                    .isLessThanOrEqualTo(allowedRejections);
            softly.assertThat(check.cameTrue())
                    .as("%s: no session opened before the server change left within %d s of the promotion (%d "
                            + "still open then)", cell, VERIFY_LIMIT.toSeconds(), check.sessionsLeft())
                    .isTrue();
            softly.assertThat(sampler.minimum())
                    .as("%s: smallest pool size from %s until the check, against %d just before", cell,
                            order == Order.GAP ? "the refilled expiry" : "the promotion", sampler.baseline())
                    .isGreaterThanOrEqualTo(sampler.baseline());
            softly.assertAll();
        } finally {
            volume.delete();
        }
    }

    @AfterAll
    static void printSummary() {
        if (SUMMARY.isEmpty()) {
            return;
        }
        Report.line("order matrix summary: %-12s %-11s %7s | failed | rejected | %-18s | min / size | %7s | verdict",
                "kind", "order", "delay", "promotion->verify", "ops");
        SUMMARY.forEach(row -> Report.line("order matrix summary: %s", row));
    }

    /**
     * The runbook's server change. PostgreSQL holds one password per role: new logins with the old one are rejected
     * from now on. Redis adds the new password next to the old one; the revocation removes the old one later.
     */
    private static void changePasswordOnServer(PoolKind kind, ServerAdmin server, Account account) {
        server.addNextPassword(account.user(), account.next());
        if (!kind.isRedis()) {
            server.replacePassword(account.user(), account.current(), account.next());
        }
    }

    /**
     * Connections expire, through the underlying pool and not through dualcred, and the pool is back to its size
     * once none of the sessions opened before the expiry is left. HikariCP marks every connection and closes the busy
     * ones as they are returned. commons-pool's {@code clear()} destroys only the idle ones (under 16 threads on 8
     * connections, often none), so it is repeated until every old session is gone.
     *
     * @return how many connections the expiry closed or marked
     */
    private static int letConnectionsExpire(String cell, ServerAdmin server, PoolUnderTest pool, String user) {
        int before = pool.connections();
        ServerAdmin.Mark expiry = server.mark();
        AtomicInteger expired = new AtomicInteger(pool.expireConnections());
        eventually(cell + ": the pool to replace its expired connections and be back to " + before)
                .until(() -> {
                    if (!server.sessionsOpenedBefore(user, expiry).isEmpty()) {
                        if (pool.kind().isRedis()) {
                            // commons-pool clears only idle connections: catch the busy ones as they come back.
                            expired.addAndGet(pool.expireConnections());
                        }
                        return false;
                    }
                    return pool.connections() >= before;
                });
        return expired.get();
    }

    /**
     * Samples the user's sessions on the server, the connections the service can use whether the pool library holds
     * them yet or a replacement is logged in and about to join; compared with the pool's size.
     */
    private static PoolSizeSampler sessionsOnTheServer(ServerAdmin server, PoolUnderTest pool, String user) {
        return PoolSizeSampler.start(pool, () -> server.sessions(user).size(), PoolSpec.SIZE);
    }

    /**
     * The operator's check after the promotion, as the runbook words it: does the server still hold a session of
     * the user opened before the password change?
     *
     * @param cameTrue whether the server held none within {@link #VERIFY_LIMIT}
     * @param waited from the promotion until it came true, or until the limit
     * @param sessionsLeft how many such sessions were open when the check ended, for the revocation to kill
     */
    private record Check(boolean cameTrue, Duration waited, int sessionsLeft) {

        static Check noSessionOpenedBefore(String cell, ServerAdmin server, String user, ServerAdmin.Mark change) {
            long promoted = System.nanoTime();
            boolean cameTrue;
            try {
                within(cell + ": no session opened before the server change left", VERIFY_LIMIT)
                        .until(() -> server.sessionsOpenedBefore(user, change).isEmpty());
                cameTrue = true;
            } catch (ConditionTimeoutException e) {
                cameTrue = false;
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - promoted);
            return new Check(cameTrue, waited, server.sessionsOpenedBefore(user, change).size());
        }

        @Override
        public String toString() {
            return (cameTrue ? "" : "not in ") + waited.toMillis() + " ms";
        }
    }

    /**
     * The server's count, once it shows at least the rejections the pool saw: PostgreSQL writes its log line after
     * answering the client. Given a few seconds; the count as it stands is used if it never gets there.
     */
    private static long rejectedLoginsOnceTheServerLogCaughtUp(ServerAdmin server, PoolUnderTest pool, String user) {
        long seenByThePool = pool.status().counters().rejectedLogins();
        try {
            within("the server's count of rejected logins to reach the pool's", Duration.ofSeconds(3))
                    .until(() -> server.rejectedLogins(user) >= seenByThePool);
        } catch (ConditionTimeoutException e) {
            // The server's own count is what the assertion is about; a shortfall here is only reported.
        }
        return server.rejectedLogins(user);
    }

    /**
     * Lets the scenario's time pass under load (the store's delay, the load after revoking): waits until {@code span}
     * has gone by since the checkpoint <em>and</em> the load completed operations after it, so a pool that stalls
     * meanwhile is not mistaken for one that kept serving.
     */
    private static void loadRunsFor(Load load, Duration span, String what) {
        if (span.isZero()) {
            return;
        }
        Load.Checkpoint start = load.checkpoint();
        within(what + ": the load to keep running for " + span.toMillis() + " ms", span.plus(Duration.ofSeconds(30)))
                .until(() -> System.nanoTime() - start.nanoTime() >= span.toNanos()
                        && load.successesSince(start) > 0);
    }
}
