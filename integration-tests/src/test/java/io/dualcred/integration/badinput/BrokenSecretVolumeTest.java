package io.dualcred.integration.badinput;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.SecretDirectory;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5, bad input: the secret volume breaks in the middle of a rotation, after NEXT was staged and read. The
 * pool must keep the last good credentials (and say that the source fails), complete the rotation with them, and
 * pick up the repaired volume by itself, through its watch.
 */
@ExtendWith(NoSecretLeaks.class)
class BrokenSecretVolumeTest {

    /** Ways a volume breaks. */
    enum Breakage {
        /** An update was half written (a file cut short, others missing) and never published. */
        HALF_WRITTEN,
        /** Every entry was removed. */
        EMPTIED,
        /** PASSWORD_CURRENT cannot be read. */
        UNREADABLE,
        /** The directory itself was deleted; it is recreated by the repair. */
        DELETED
    }

    static Stream<Arguments> kindsAndBreakages() {
        return PoolKind.onePerServer().flatMap(kind -> Stream.of(Breakage.values()).map(b -> Arguments.of(kind, b)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kindsAndBreakages")
    void aBrokenVolumeKeepsTheLastGoodCredentialsTheRotationCompletesAndTheRepairIsPickedUp(PoolKind kind,
                                                                                           Breakage breakage)
            throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "volume");
        String user = account.user();
        String current = account.current();
        String next = account.next();
        SecretDirectory volume = account.volume("broken-" + kind);
        List<RotationEvent> events = new CopyOnWriteArrayList<>();

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("broken-" + kind, volume.source())
                .listener(events::add));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            server.addNextPassword(user, next);
            volume.stageNext(null, next);
            eventually("the watch to report NEXT staged").until(() -> pool.status().nextStaged());
            String goodRevision = pool.status().sourceRevision();

            Map<String, String> promoted = new LinkedHashMap<>();
            promoted.put("USER", user);
            promoted.put("PASSWORD_CURRENT", next);
            breakVolume(volume, breakage, promoted);
            RotationStatus broken = pool.refresh();
            Exposure.status(broken);
            assertThat(broken.sourceRevision()).as("revision in use").isEqualTo(goodRevision);
            assertThat(broken.nextStaged()).as("NEXT still staged").isTrue();
            assertThat(broken.sourceFailing()).as("source reported failing")
                    .isEqualTo(breakage != Breakage.HALF_WRITTEN);

            // The rotation goes on while the volume is broken: the server now accepts only NEXT.
            server.replacePassword(user, current, next);
            pool.evictConnections();
            eventually("the pool to switch to the NEXT it read before the volume broke")
                    .until(() -> pool.status().activeSlot() == Slot.NEXT);
            load.awaitSuccesses(1_000);

            // The repair publishes the promoted credential; the watch notices it without any refresh call.
            volume.publish(promoted);
            eventually("the watch to pick up the repaired volume").until(() -> {
                RotationStatus status = pool.status();
                return !status.sourceFailing() && status.activeSlot() == Slot.CURRENT && !status.nextStaged();
            });
            load.awaitSuccesses(500);
            load.close();

            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(pool.status().counters().switches()).isEqualTo(1);
            assertThat(pool.status().counters().promotions()).isEqualTo(1);
            if (breakage != Breakage.HALF_WRITTEN) {
                assertThat(events).filteredOn(RotationEvent.SourceFailed.class::isInstance).isNotEmpty()
                        .allSatisfy(event -> assertThat(((RotationEvent.SourceFailed) event).keptRevision())
                                .isEqualTo(goodRevision));
            }
            Report.line("broken volume %s %s: 0 of %d operations failed; source failures reported: %d", kind,
                    breakage, load.successes(), pool.status().counters().sourceFailures());
        } finally {
            volume.delete();
        }
    }

    private static void breakVolume(SecretDirectory volume, Breakage breakage, Map<String, String> update) {
        switch (breakage) {
            case HALF_WRITTEN -> volume.writeHalfOfAnUpdate(update);
            case EMPTIED -> volume.empty();
            case UNREADABLE -> volume.makeUnreadable("PASSWORD_CURRENT");
            case DELETED -> volume.delete();
            default -> throw new IllegalArgumentException(breakage.name());
        }
    }
}
