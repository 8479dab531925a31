package io.dualcred.integration.badinput;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.SecretDirectory;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5, bad input: the secret volume holds two wrong passwords (a botched rotation), while 16 threads keep
 * asking for work. Every caller must learn it promptly and specifically, the server must see a bounded number of
 * rejected logins however hard the application pushes, and fixing the volume must be enough to recover.
 */
@ExtendWith(NoSecretLeaks.class)
class BothCredentialsWrongTest {

    /** PRODUCT.md: "All credentials wrong: the caller learns it in < 1 s". */
    private static final Duration PROMPTLY = Duration.ofSeconds(1);
    private static final int ROUNDS = 3;

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#all")
    void everyCallerGetsTheSpecificErrorWithinASecondTheServerSeesOneLoginPerCredentialPerRoundAndAFixRecovers(
            PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        String user = Sentinels.user("wrong");
        String password = Sentinels.password("right");
        server.createUser(user, password);
        SecretDirectory volume = SecretDirectory.create("wrong-" + kind)
                .holdCurrent(user, Sentinels.password("wrong-current"))
                .stageNext(null, Sentinels.password("wrong-next"));

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("wrong-" + kind, volume.source())
                .connectAtStart(false)
                .mbeans(true));
             Load load = Load.start(pool)) {
            eventually("the server to reject every credential " + ROUNDS + " rounds in a row")
                    .until(() -> pool.status().counters().allRejectedRounds() >= ROUNDS);
            Exposure.jmx();
            load.close();

            RotationStatus rejected = pool.status();
            Exposure.status(rejected);
            long rounds = rejected.counters().allRejectedRounds();
            assertThat(load.successes()).isZero();
            assertThat(load.failures()).as("every failure is the documented error; the first: %s",
                    load.someFailures()).isEqualTo(load.everyCredentialRejected()).isGreaterThan(rounds);
            assertThat(load.slowest()).as("the longest a caller waited to learn it").isLessThan(PROMPTLY);
            assertThat(load.someFailures()).allSatisfy(failure -> assertThat(failure.getMessage())
                    .contains(pool.name(), "CURRENT " + user, "NEXT " + user));
            // HikariCP keeps trying to fill the pool in the background, so a round may be under way: counted too.
            assertThat(rejected.counters().rejectedLogins()).as("rejected logins, one per credential per round")
                    .isLessThanOrEqualTo(2 * (rounds + 1));
            eventually("the server's count of rejected logins to match the pool's")
                    .until(() -> server.rejectedLogins(user) == pool.status().counters().rejectedLogins());
            assertThat(rejected.counters().switches()).isZero();

            // The operator fixes the volume; the watch notices, the backoff ends, nothing is restarted.
            volume.holdCurrent(user, password);
            Load recovery = Load.start(pool);
            try {
                recovery.awaitCleanRun(500);
            } finally {
                recovery.close();
            }
            RotationStatus fixed = pool.status();
            assertThat(fixed.backingOff()).isFalse();
            assertThat(fixed.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(pool.loggedInAs()).isEqualTo(user);
            Report.line("both wrong %s: %d calls failed, all with the documented error, slowest %d ms; %d rounds, %d "
                    + "logins rejected by the server", kind, load.failures(), load.slowest().toMillis(), rounds,
                    server.rejectedLogins(user));
        } finally {
            volume.delete();
        }
    }
}
