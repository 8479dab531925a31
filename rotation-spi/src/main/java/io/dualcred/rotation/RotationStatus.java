package io.dualcred.rotation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a pool's rotation state, for health checks and for operators who must know that every instance
 * switched before they revoke the old password. Contains usernames and counters, never a password.
 *
 * @param poolName the pool
 * @param source the source's description, e.g. {@code env:DB}
 * @param activeSlot the slot of the credential new connections use (its last known slot if the source no longer
 *     lists it)
 * @param activeUsername the username new connections use
 * @param activeListedBySource whether the source still lists the active credential
 * @param nextStaged whether the source holds a NEXT credential that differs from CURRENT
 * @param sourceRevision the revision of the last good set read from the source
 * @param generation the credential generation; increases at each switch or eviction
 * @param lastSwitchTime when the engine last switched credentials, if ever
 * @param lastSwitchReason why, e.g. {@code CURRENT app rejected (28P01); NEXT app accepted}
 * @param backingOff whether logins currently fail fast because every credential was rejected
 * @param backoffUntil until when, if backing off
 * @param rejectedCredentials when the last login round ended with every credential rejected and no login was
 *     accepted since (the pool is locked out, backing off or not), the slots and usernames that round tried, in
 *     order; empty otherwise
 * @param sourceFailing whether the last read of the source failed
 * @param counters running totals since start
 */
public record RotationStatus(String poolName, String source, Slot activeSlot, String activeUsername,
                             boolean activeListedBySource, boolean nextStaged, String sourceRevision, long generation,
                             Optional<Instant> lastSwitchTime, Optional<String> lastSwitchReason, boolean backingOff,
                             Optional<Instant> backoffUntil, List<AllCredentialsRejectedException.Attempt>
                                     rejectedCredentials, boolean sourceFailing, Counters counters) {

    /** Copies {@code rejectedCredentials}. */
    public RotationStatus {
        rejectedCredentials = List.copyOf(rejectedCredentials);
    }

    /**
     * @return whether new logins use the last credential the server accepted as the final fallback, because the
     *     source lists no credential the server takes (e.g. a promotion made before the server was changed, or a bad
     *     rollback in the store)
     */
    public boolean fallbackInUse() {
        return !activeListedBySource;
    }

    /**
     * Running totals since the pool started.
     *
     * @param switches credential switches
     * @param promotions promotions of the active credential from NEXT to CURRENT
     * @param rejectedLogins logins the server rejected as authentication failures
     * @param allRejectedRounds rounds in which every credential was rejected
     * @param sourceLoads reads of the source, successful or not
     * @param sourceFailures failed reads of the source
     * @param evictions requests to retire connections (after switches or on demand)
     */
    public record Counters(long switches, long promotions, long rejectedLogins, long allRejectedRounds,
                           long sourceLoads, long sourceFailures, long evictions) {
    }
}
