package io.dualcred.rotation.spi;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.Slot;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

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
 * @param rejection the latest round in which every credential was rejected, or {@code null}: logins to every server
 *     back off
 * @param targetRejections per server of an engine that serves several ({@link ConnectionOpener#target()}), the
 *     latest round in which that server rejected every credential: logins to that server alone back off
 * @param lastSwitchTime when the credential last changed, or {@code null}
 * @param lastSwitchReason why it changed, or {@code null}
 */
record EngineState(CredentialSet set, Credential active, Slot activeSlot, boolean activeListed,
                   Credential lastAccepted, Slot lastAcceptedSlot, long generation, boolean sourceFailing,
                   Rejection rejection, Map<String, Rejection> targetRejections, Instant lastSwitchTime,
                   String lastSwitchReason) {

    static EngineState initial(CredentialSet set) {
        return new EngineState(set, set.current(), Slot.CURRENT, true, null, null, 0, false, null, Map.of(), null,
                null);
    }

    /** @return the backoff that applies to logins to {@code target} ({@code null}: a login with no target) */
    Rejection rejectionFor(String target) {
        return rejection != null || target == null ? rejection : targetRejections.get(target);
    }

    /** @return whether logins, to every server or to some, are failing fast at {@code now} */
    boolean backingOffAt(Instant now) {
        return latestBackoffEnd().filter(now::isBefore).isPresent();
    }

    /** @return when the latest backoff ends (or ended), the engine-wide one or a server's, if there was one */
    Optional<Instant> latestBackoffEnd() {
        Stream<Rejection> all = Stream.concat(Stream.ofNullable(rejection), targetRejections.values().stream());
        return all.map(Rejection::until).max(Comparator.naturalOrder());
    }

    /** @return the credentials rejected in the latest rejected rounds, every server's, without repeats */
    List<AllCredentialsRejectedException.Attempt> rejectedAttempts() {
        Stream<Rejection> all = Stream.concat(Stream.ofNullable(rejection), targetRejections.values().stream());
        return all.flatMap(r -> r.exception().attempts().stream()).distinct().toList();
    }

    EngineState withGeneration(long next) {
        return new EngineState(set, active, activeSlot, activeListed, lastAccepted, lastAcceptedSlot, next,
                sourceFailing, rejection, targetRejections, lastSwitchTime, lastSwitchReason);
    }

    EngineState withSourceFailing(boolean failing) {
        return failing == sourceFailing ? this : new EngineState(set, active, activeSlot, activeListed, lastAccepted,
                lastAcceptedSlot, generation, failing, rejection, targetRejections, lastSwitchTime, lastSwitchReason);
    }

    /**
     * The active credential was accepted again, by {@code target} ({@code null}: a login with no target): the
     * engine-wide backoff ends, and so does that server's, and it becomes the last accepted one.
     */
    EngineState accepted(String target) {
        return new EngineState(set, active, activeSlot, activeListed, active, activeSlot, generation, sourceFailing,
                null, without(target), lastSwitchTime, lastSwitchReason);
    }

    /**
     * New logins use {@code credential} from now on, under a new generation. Accepted by the server
     * ({@code target}'s, or the only one), it ends the engine-wide backoff and that server's; the backoff of a
     * server that rejected it too stays.
     */
    EngineState switchedTo(Credential credential, Slot slot, boolean acceptedByServer, String target, Instant time,
                           String reason) {
        boolean listed = set.slotOf(credential).isPresent();
        return new EngineState(set, credential, slot, listed, acceptedByServer ? credential : lastAccepted,
                acceptedByServer ? slot : lastAcceptedSlot, generation + 1, sourceFailing,
                acceptedByServer ? null : rejection, acceptedByServer ? without(target) : targetRejections, time,
                reason);
    }

    /** A newly read set, with the active credential unchanged; a changed set ends every backoff at {@code now}. */
    EngineState withSet(CredentialSet loaded, Instant now) {
        Optional<Slot> slot = loaded.slotOf(active);
        Rejection ended = rejection == null ? null : rejection.endingAt(now);
        Map<String, Rejection> targetsEnded = new HashMap<>();
        targetRejections.forEach((target, r) -> targetsEnded.put(target, r.endingAt(now)));
        return new EngineState(loaded, active, slot.orElse(activeSlot), slot.isPresent(), lastAccepted,
                lastAcceptedSlot, generation, false, ended, Map.copyOf(targetsEnded), lastSwitchTime,
                lastSwitchReason);
    }

    /** Every credential was rejected by {@code target} ({@code null}: by the only server, or by all of them). */
    EngineState rejected(String target, Rejection newRejection) {
        if (target == null) {
            return new EngineState(set, active, activeSlot, activeListed, lastAccepted, lastAcceptedSlot, generation,
                    sourceFailing, newRejection, targetRejections, lastSwitchTime, lastSwitchReason);
        }
        Map<String, Rejection> targets = new HashMap<>(targetRejections);
        targets.put(target, newRejection);
        return new EngineState(set, active, activeSlot, activeListed, lastAccepted, lastAcceptedSlot, generation,
                sourceFailing, rejection, Map.copyOf(targets), lastSwitchTime, lastSwitchReason);
    }

    private Map<String, Rejection> without(String target) {
        if (target == null || !targetRejections.containsKey(target)) {
            return targetRejections;
        }
        Map<String, Rejection> targets = new HashMap<>(targetRejections);
        targets.remove(target);
        return Map.copyOf(targets);
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
