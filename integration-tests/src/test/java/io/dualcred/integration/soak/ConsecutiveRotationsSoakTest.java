package io.dualcred.integration.soak;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.LibraryThreads;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 1, the soak: rotation after rotation under 16 application threads, each the full cycle an operator runs
 * (stage NEXT, change the password on the server, evict, promote), with the refresh schedule running throughout.
 * Set {@code -Ddualcred.soak.rotations=N} for a longer soak; the default keeps CI short.
 */
@ExtendWith(NoSecretLeaks.class)
class ConsecutiveRotationsSoakTest {

    /** Rotations per kind of pool. */
    private static final int ROTATIONS = Integer.getInteger("dualcred.soak.rotations", 20);
    /** Operations the load must complete between two rotations, so that every phase runs under load. */
    private static final int OPERATIONS_BETWEEN_ROTATIONS = 200;

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void rotationAfterRotationUnderLoadFailsNothingStaysInBoundsAndLeavesNoSessionOrThreadBehind(PoolKind kind) {
        ServerAdmin server = kind.sharedServer();
        String user = Sentinels.user("soak");
        String first = Sentinels.password("soak-0");
        server.createUser(user, first);
        MutableSource source = MutableSource.holding("soak", Credential.of(user, first));
        PoolUnderTest pool = kind.open(server, PoolSpec.of("soak-" + kind, source)
                .rotation(RotationConfig.custom()
                        .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                        .refreshInterval(Duration.ofMillis(50))
                        // Paced, but briefly: each rotation waits for the old sessions, and there are many.
                        .replacementWindow(Duration.ofMillis(200))
                        .build())
                .mbeans(true));
        String poolName = pool.name();

        Load load = Load.start(pool);
        long rejected;
        try {
            try {
                load.awaitSuccesses(OPERATIONS_BETWEEN_ROTATIONS);
                String current = first;
                for (int rotation = 1; rotation <= ROTATIONS; rotation++) {
                    current = rotate(server, pool, source, user, current, rotation);
                    load.awaitSuccesses(OPERATIONS_BETWEEN_ROTATIONS);
                }
                Exposure.jmx();
            } finally {
                load.close();
            }

            RotationStatus status = pool.status();
            Exposure.status(status);
            Exposure.status(pool);
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(load.largestPool()).as("largest pool size seen after an operation")
                    .isBetween(1, pool.maximumSize());
            assertThat(status.counters().switches()).isEqualTo(ROTATIONS);
            assertThat(status.counters().promotions()).isEqualTo(ROTATIONS);
            assertThat(status.counters().allRejectedRounds()).isZero();
            rejected = server.rejectedLogins(user);
            // PRODUCT.md: at most one login attempt with a rejected credential per switch, not one per connection.
            assertThat(rejected).as("logins the server rejected over %d rotations", ROTATIONS)
                    .isBetween(1L, (long) ROTATIONS);
        } finally {
            pool.close();
        }

        eventually("no session of " + user + " left on the server after close")
                .until(() -> server.sessions(user).isEmpty());
        LibraryThreads.awaitNone(poolName);
        if (kind.isRedis()) {
            LibraryThreads.awaitNone(LibraryThreads.POOL_EVICTOR);
        }
        Report.line("soak %s: %d rotations, %d operations, %d logins rejected by the server, slowest operation "
                + "%d ms, largest pool %d of %d", kind, ROTATIONS, load.successes(), rejected,
                load.slowest().toMillis(), load.largestPool(), pool.maximumSize());
    }

    /**
     * One rotation as the runbook describes it, each step awaited on what the pool reports.
     *
     * @return the new password, now CURRENT
     */
    private static String rotate(ServerAdmin server, PoolUnderTest pool, MutableSource source, String user,
                                 String current, int rotation) {
        String next = Sentinels.password("soak-" + rotation);
        long switches = pool.status().counters().switches();

        server.addNextPassword(user, next);
        source.set(Credential.of(user, current), Credential.of(user, next));
        eventually("rotation " + rotation + ": the refresh schedule shows NEXT staged")
                .until(() -> pool.status().nextStaged());

        ServerAdmin.Mark cutOver = server.mark();
        server.replacePassword(user, current, next);
        pool.evictConnections();
        eventually("rotation " + rotation + ": the pool switches to NEXT")
                .until(() -> pool.status().counters().switches() == switches + 1);
        eventually("rotation " + rotation + ": the sessions opened before the password change are closed")
                .until(() -> server.sessionsOpenedBefore(user, cutOver).isEmpty());

        source.set(Credential.of(user, next));
        eventually("rotation " + rotation + ": the promotion shows").until(() -> {
            RotationStatus status = pool.status();
            return status.activeSlot() == Slot.CURRENT && !status.nextStaged();
        });
        return next;
    }
}
