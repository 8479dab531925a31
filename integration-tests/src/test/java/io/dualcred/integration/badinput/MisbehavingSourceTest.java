package io.dualcred.integration.badinput;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5, bad input: a secret store that throws, returns nothing, or goes back to a password that was already
 * rotated away (a stale replica or cache of the store).
 */
@ExtendWith(NoSecretLeaks.class)
class MisbehavingSourceTest {

    /** The ways a store fails, each tried in turn. */
    private static final List<Callable<CredentialSet>> FAILURES = List.of(
            () -> {
                throw new IOException("secret store unreachable");
            },
            () -> {
                throw new IllegalStateException("secret store returned a malformed document");
            },
            () -> null);

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aPoolDoesNotStartOnASourceThatFailsAndSaysWhichSource(PoolKind kind) {
        MutableSource source = MutableSource.holding("failing-at-start",
                Credential.of(Sentinels.user("start"), Sentinels.password("start")));
        for (Callable<CredentialSet> failure : FAILURES) {
            source.failWith(failure);
            Throwable thrown = catchThrowable(() -> kind.open(kind.sharedServer(),
                    PoolSpec.of("failing-at-start-" + kind, source)).close());
            Exposure.exception(thrown);
            assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                    .hasMessageContaining("test:failing-at-start");
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aSourceThatFailsMidRotationLeavesTheLastGoodCredentialsInUseAndTheRotationCompletes(PoolKind kind)
            throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "failing");
        String user = account.user();
        server.addNextPassword(user, account.next());
        MutableSource source = account.stagedSource("failing");

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("failing-" + kind, source));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            String goodRevision = pool.status().sourceRevision();
            for (Callable<CredentialSet> failure : FAILURES) {
                source.failWith(failure);
                RotationStatus failing = pool.refresh();
                assertThat(failing.sourceFailing()).isTrue();
                assertThat(failing.sourceRevision()).isEqualTo(goodRevision);
                assertThat(failing.nextStaged()).isTrue();
            }

            // The server moves to NEXT while the store still fails: the engine's fresh read fails too, and it
            // falls back to the NEXT it read before.
            server.replacePassword(user, account.current(), account.next());
            pool.evictConnections();
            eventually("the pool to switch to the last good NEXT").until(() -> pool.status().activeSlot() == Slot.NEXT);
            load.awaitSuccesses(1_000);

            source.heal();
            source.set(account.nextCredential());
            RotationStatus healed = pool.refresh();
            load.awaitSuccesses(500);
            load.close();

            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(healed.sourceFailing()).isFalse();
            assertThat(healed.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(healed.counters().sourceFailures()).isGreaterThanOrEqualTo(FAILURES.size());
            Report.line("failing source %s: 0 of %d operations failed, %d failed reads", kind, load.successes(),
                    healed.counters().sourceFailures());
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aSourceThatGoesBackToTheOldPasswordAfterTheRotationCannotLockThePoolOut(PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "stale");
        String user = account.user();
        String old = account.current();
        String rotated = account.next();
        server.addNextPassword(user, rotated);
        MutableSource source = account.stagedSource("stale");

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("stale-" + kind, source));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            server.replacePassword(user, old, rotated);
            pool.evictConnections();
            eventually("the pool to switch to NEXT").until(() -> pool.status().activeSlot() == Slot.NEXT);
            source.set(Credential.of(user, rotated));
            assertThat(pool.refresh().activeSlot()).as("promoted").isEqualTo(Slot.CURRENT);
            long rejectedAfterRotation = server.rejectedLogins(user);

            // A stale replica of the store serves the old password alone: the pool follows the store, the server
            // rejects it once, and the last credential the server accepted takes over as the final fallback.
            source.set(Credential.of(user, old), null);
            pool.refresh();
            eventually("the pool to fall back on the credential the server last accepted")
                    .until(() -> pool.status().fallbackInUse());
            load.awaitSuccesses(1_000);
            assertThat(pool.loggedInAs()).isEqualTo(user);
            RotationStatus onFallback = pool.status();
            Exposure.status(onFallback);

            // Then as CURRENT beside NEXT: the credential in use is listed again, nothing changes.
            source.set(Credential.of(user, old), Credential.of(user, rotated));
            RotationStatus listedAsNext = pool.refresh();
            load.awaitSuccesses(1_000);
            source.set(Credential.of(user, rotated));
            RotationStatus restored = pool.refresh();
            load.awaitSuccesses(500);
            load.close();

            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(server.rejectedLogins(user)).as("logins with the old password after the rotation")
                    .isEqualTo(rejectedAfterRotation + 1);
            assertThat(listedAsNext.activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(listedAsNext.fallbackInUse()).isFalse();
            assertThat(listedAsNext.counters().switches()).isEqualTo(onFallback.counters().switches());
            assertThat(restored.activeListedBySource()).isTrue();
            assertThat(restored.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(restored.fallbackInUse()).isFalse();
            Report.line("stale source %s: 0 of %d operations failed, %d login with the old password after the "
                    + "rotation", kind, load.successes(), server.rejectedLogins(user) - rejectedAfterRotation);
        }
    }
}
