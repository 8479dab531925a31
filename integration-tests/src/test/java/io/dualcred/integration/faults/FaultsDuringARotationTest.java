package io.dualcred.integration.faults;

import static io.dualcred.integration.support.Eventually.eventually;
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
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 4, faults in the middle of a rotation. The engine must tell a rejected password from every other
 * failure: a server that goes away, or a session killed under the pool, must never make it change credentials, and
 * once the fault is over the pool must finish the rotation and serve everything again.
 *
 * <p>Each fault is injected at the most delicate moment: while a switch is in progress, i.e. after the server
 * rejected CURRENT and before the engine tried NEXT (the moment the engine re-reads its source). These scenarios
 * stop servers, so they use private ones: one PostgreSQL and one Redis for the class.
 */
@ExtendWith(NoSecretLeaks.class)
class FaultsDuringARotationTest {

    /** Short, so that callers meet the outage quickly instead of waiting for a connection. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(1);

    private static final Map<PoolKind, ServerAdmin> SERVERS = new EnumMap<>(PoolKind.class);

    /** A scenario that failed half-way may have left its server stopped; the next one needs it running. */
    @AfterEach
    void startServersAgain() {
        SERVERS.values().forEach(ServerAdmin::start);
    }

    @AfterAll
    static void closeServers() {
        SERVERS.values().forEach(ServerAdmin::close);
    }

    /** One private server per product, shared by the kinds of pool that talk to it. */
    private static synchronized ServerAdmin privateServer(PoolKind kind) {
        PoolKind product = kind.isRedis() ? PoolKind.REDIS_CLIENT : PoolKind.POSTGRES;
        return SERVERS.computeIfAbsent(product, PoolKind::startNewServer);
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void aServerThatStopsInTheMiddleOfASwitchAndStaysAwayFlipsNothingAndTheRotationCompletesOnceItIsBack(
            PoolKind kind) throws Exception {
        ServerAdmin server = privateServer(kind);
        Account account = stagedAccount(server, "restart");
        MutableSource source = account.stagedSource("restart");
        try (PoolUnderTest pool = open(kind, server, source, "restart");
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);

            long readsBefore = source.loads();
            source.duringNextSwitch(server::stop);
            server.replacePassword(account.user(), account.current(), account.next());
            pool.evictConnections();
            // The first new login is rejected with CURRENT; while the engine re-reads its source the server goes
            // away, so NEXT meets a refused connection. Callers then meet the outage for a while.
            eventually("the switch to begin and the server to go away")
                    .until(() -> source.loads() > readsBefore && load.failures() > 0);
            long readsDuringOutage = source.loads();
            load.awaitFailures(3L * Load.THREADS);

            RotationStatus duringOutage = pool.status();
            Exposure.status(duringOutage);
            assertThat(duringOutage.activeSlot()).as("active slot while the server is away").isEqualTo(Slot.CURRENT);
            assertThat(duringOutage.counters().switches()).isZero();
            assertThat(duringOutage.counters().allRejectedRounds()).isZero();
            assertThat(duringOutage.backingOff()).isFalse();
            assertThat(load.everyCredentialRejected()).as("callers told that every credential was rejected")
                    .isZero();
            assertThat(source.loads() - readsDuringOutage)
                    .as("source reads while the server was away: connection errors are not a reason to re-read")
                    .isLessThanOrEqualTo(pool.maximumSize());

            server.start();
            eventually("the pool to finish the rotation on NEXT").until(() -> pool.status().activeSlot() == Slot.NEXT);
            Load.Checkpoint recovered = load.checkpoint();
            load.awaitSuccesses(2_000);

            // A second outage after the switch: the pool comes back on NEXT, and does not flip back to CURRENT.
            server.stop();
            load.awaitFailures(Load.THREADS);
            server.start();
            Load.Checkpoint backAgain = load.awaitCleanRun(500);
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            assertOneSwitchAndNothingElse(status, load);
            assertThat(load.successesSince(recovered)).isPositive();
            assertThat(load.failuresSince(backAgain)).as("failures once the server was back; the first: %s",
                    load.someFailures()).isZero();
            assertThat(pool.loggedInAs()).isEqualTo(account.user());
            Report.line("faults %s, server stopped mid-switch: %d failed operations during the outages (none "
                    + "'every credential rejected'), %d source reads during the first outage, %d logins rejected by "
                    + "the server", kind, load.failures(), source.loads() - readsDuringOutage,
                    server.rejectedLogins(account.user()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void sessionsKilledWhileASwitchIsInProgressFlipNothingAndThePoolRecoversCompletely(PoolKind kind)
            throws Exception {
        ServerAdmin server = privateServer(kind);
        Account account = stagedAccount(server, "kill");
        MutableSource source = account.stagedSource("kill");
        try (PoolUnderTest pool = open(kind, server, source, "kill");
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);

            AtomicInteger killed = new AtomicInteger();
            source.duringNextSwitch(() -> killed.addAndGet(server.killSessions(account.user())));
            server.replacePassword(account.user(), account.current(), account.next());
            pool.evictConnections();
            eventually("the pool to switch to NEXT").until(() -> pool.status().activeSlot() == Slot.NEXT);
            load.awaitCleanRun(500);

            // And once more after the switch: sessions dying is never a reason to change credentials.
            killed.addAndGet(server.killSessions(account.user()));
            Load.Checkpoint recovered = load.awaitCleanRun(500);
            load.awaitSuccesses(1_000);
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            assertOneSwitchAndNothingElse(status, load);
            assertThat(load.failures()).as("failed operations, at most one per killed session; the first: %s",
                    load.someFailures()).isLessThanOrEqualTo(killed.get());
            assertThat(load.failuresSince(recovered)).isZero();
            assertThat(pool.loggedInAs()).isEqualTo(account.user());
            Report.line("faults %s, sessions killed mid-switch and after it: %d operations failed on killed "
                    + "sessions of %d killed (none 'every credential rejected'), %d logins rejected by the server", kind,
                    load.failures(), killed.get(), server.rejectedLogins(account.user()));
        }
    }

    /** The rotation completed with exactly one switch; no fault made the pool flip or report a rejection. */
    private static void assertOneSwitchAndNothingElse(RotationStatus status, Load load) {
        assertThat(status.activeSlot()).isEqualTo(Slot.NEXT);
        assertThat(status.counters().switches()).as("switches").isEqualTo(1);
        assertThat(status.counters().allRejectedRounds()).isZero();
        assertThat(load.everyCredentialRejected()).as("callers told that every credential was rejected").isZero();
    }

    /** A user with CURRENT on the server and NEXT staged in the source and, for Redis, on the server too. */
    private static Account stagedAccount(ServerAdmin server, String label) {
        Account account = Account.create(server, label);
        server.addNextPassword(account.user(), account.next());
        return account;
    }

    private static PoolUnderTest open(PoolKind kind, ServerAdmin server, MutableSource source, String label) {
        return kind.open(server, PoolSpec.of(label + "-" + kind, source).connectionTimeout(CONNECTION_TIMEOUT));
    }
}
