package io.dualcred.rotation.spi;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.Slot;
import java.time.Instant;
import java.util.Optional;

/**
 * One immutable snapshot of a rotation engine's state. Every transition builds a new one and swaps it in whole, so
 * a reader always sees a consistent picture without a lock.
 *
 * @param set the latest credential set read from the source
 * @param active the credential new logins try first
 * @param activeSlot the slot {@code active} holds in {@code set}, or held when it was last listed
 * @param activeListed whether {@code set} still lists {@code active}; {@code false} only while the last credential
 *     the server accepted serves as the final fallback
 * @param lastAccepted the last credential the server accepted, or {@code null} before the first login
 * @param lastAcceptedSlot the slot of {@code lastAccepted} when it was accepted
 * @param generation increases whenever the credential for new logins changes or an eviction is asked for
 * @param sourceFailing whether the latest read of the source failed
 * @param rejection the latest round in which every credential was rejected, or {@code null}
 * @param lastSwitchTime when the credential last changed, or {@code null}
 * @param lastSwitchReason why it changed, or {@code null}
 */
record EngineState(CredentialSet set, Credential active, Slot activeSlot, boolean activeListed,
                   Credential lastAccepted, Slot lastAcceptedSlot, long generation, boolean sourceFailing,
                   Rejection rejection, Instant lastSwitchTime, String lastSwitchReason) {

    static EngineState initial(CredentialSet set) {
        return new EngineState(set, set.current(), Slot.CURRENT, true, null, null, 0, false, null, null, null);
    }

    /** @return whether logins are failing fast at {@code now} after every credential was rejected */
    boolean backingOffAt(Instant now) {
        return rejection != null && now.isBefore(rejection.until());
    }

    EngineState withGeneration(long next) {
        return new EngineState(set, active, activeSlot, activeListed, lastAccepted, lastAcceptedSlot, next,
                sourceFailing, rejection, lastSwitchTime, lastSwitchReason);
    }

    EngineState withSourceFailing(boolean failing) {
        return failing == sourceFailing ? this : new EngineState(set, active, activeSlot, activeListed, lastAccepted,
                lastAcceptedSlot, generation, failing, rejection, lastSwitchTime, lastSwitchReason);
    }

    /** The active credential was accepted again: a backoff ends and it becomes the last accepted one. */
    EngineState accepted() {
        return new EngineState(set, active, activeSlot, activeListed, active, activeSlot, generation, sourceFailing,
                null, lastSwitchTime, lastSwitchReason);
    }

    /** New logins use {@code credential} from now on, under a new generation. */
    EngineState switchedTo(Credential credential, Slot slot, boolean acceptedByServer, Instant time, String reason) {
        boolean listed = set.slotOf(credential).isPresent();
        return new EngineState(set, credential, slot, listed, acceptedByServer ? credential : lastAccepted,
                acceptedByServer ? slot : lastAcceptedSlot, generation + 1, sourceFailing,
                acceptedByServer ? null : rejection, time, reason);
    }

    /** A newly read set, with the active credential unchanged. */
    EngineState withSet(CredentialSet loaded, Rejection keptRejection) {
        Optional<Slot> slot = loaded.slotOf(active);
        return new EngineState(loaded, active, slot.orElse(activeSlot), slot.isPresent(), lastAccepted,
                lastAcceptedSlot, generation, false, keptRejection, lastSwitchTime, lastSwitchReason);
    }

    EngineState rejected(Rejection newRejection) {
        return new EngineState(set, active, activeSlot, activeListed, lastAccepted, lastAcceptedSlot, generation,
                sourceFailing, newRejection, lastSwitchTime, lastSwitchReason);
    }

    /**
     * Every credential was rejected {@code rounds} times in a row; logins fail fast until {@code until}.
     *
     * @param rounds consecutive rejected rounds
     * @param until the end of the backoff
     * @param exception what the round that set it threw
     */
    record Rejection(int rounds, Instant until, AllCredentialsRejectedException exception) {

        Rejection endingAt(Instant now) {
            return new Rejection(rounds, now, exception);
        }
    }
}
