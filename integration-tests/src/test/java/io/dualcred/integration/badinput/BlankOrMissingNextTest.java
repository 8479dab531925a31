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
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5, bad input: a {@code PASSWORD_NEXT} that is missing, empty, blank or a bare line break means "no
 * rotation staged", not a password. When the server then rejects CURRENT, the pool reports that CURRENT, the only
 * credential, was rejected, and never sends a blank password; a real NEXT written afterwards is picked up.
 */
@ExtendWith(NoSecretLeaks.class)
class BlankOrMissingNextTest {

    /** {@code null}: the file is absent. The volume adds one line break to each value, as {@code echo} does. */
    private static final List<String> NO_NEXT = java.util.Arrays.asList(null, "", "   ", "\t", "\n", " \r");

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aBlankOrMissingNextIsNoRotationAndIsNeverSentToTheServer(PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "nonext");
        String user = account.user();
        String current = account.current();
        String next = account.next();
        SecretDirectory volume = account.volume("no-next-" + kind);
        List<RotationEvent> events = new CopyOnWriteArrayList<>();

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("no-next-" + kind, volume.source())
                .listener(events::add));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            String revision = pool.status().sourceRevision();
            for (String blank : NO_NEXT) {
                Map<String, String> keys = new LinkedHashMap<>();
                keys.put("USER", user);
                keys.put("PASSWORD_CURRENT", current);
                if (blank != null) {
                    keys.put("PASSWORD_NEXT", blank);
                    keys.put("USER_NEXT", Sentinels.user("ghost"));
                }
                volume.publish(keys);
                RotationStatus status = pool.refresh();
                assertThat(status.nextStaged()).as("NEXT staged with PASSWORD_NEXT %s", describe(blank)).isFalse();
                assertThat(status.sourceFailing()).isFalse();
                assertThat(status.sourceRevision()).isEqualTo(revision);
            }
            load.awaitSuccesses(500);
            pool.awaitFull();
            load.close();
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();

            // The server moves on while the volume holds no NEXT: the error names CURRENT only.
            server.addNextPassword(user, next);
            server.replacePassword(user, current, next);
            pool.expireConnections();   // the pool must log in again, as after maxLifetime
            Throwable rejected = awaitFailure(pool);
            Exposure.exception(rejected);
            assertThat(pool.isEveryCredentialRejected(rejected)).as("%s", rejected).isTrue();
            assertThat(rejected.getMessage()).contains("(CURRENT " + user + ")").doesNotContain("NEXT");
            assertThat(events).filteredOn(RotationEvent.CredentialRejected.class::isInstance)
                    .allSatisfy(event -> assertThat(((RotationEvent.CredentialRejected) event).slot())
                            .isEqualTo(Slot.CURRENT));

            volume.holdCurrent(user, current).stageNext(null, next);
            eventually("the pool to recover on the NEXT written afterwards").ignoreExceptions()
                    .until(() -> {
                        pool.operation(0);
                        return pool.status().activeSlot() == Slot.NEXT;
                    });
            assertThat(pool.loggedInAs()).isEqualTo(user);
            Report.line("blank NEXT %s: %d spellings of 'no NEXT' read as none; the rejection named CURRENT only",
                    kind, NO_NEXT.size());
        } finally {
            volume.delete();
        }
    }

    private static Throwable awaitFailure(PoolUnderTest pool) {
        Throwable[] failure = new Throwable[1];
        eventually("a call to fail once the server rejects CURRENT").until(() -> {
            try {
                pool.operation(0);
                return false;
            } catch (Exception e) {
                failure[0] = e;
                return true;
            }
        });
        return failure[0];
    }

    private static String describe(String blank) {
        return blank == null ? "absent" : "'" + blank.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                + "'";
    }
}
