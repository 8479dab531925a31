package io.dualcred.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Something the rotation engine did or saw. Events name credentials by slot and username only; none carries a
 * password. They are built only when at least one {@link RotationListener} is registered.
 */
public sealed interface RotationEvent {

    /** @return the pool the event belongs to */
    String poolName();

    /** @return when it happened, by the engine's clock */
    Instant time();

    /**
     * New connections now use {@code to} instead of {@code from}: the active credential was rejected and another one
     * was accepted, or the source stopped listing the active credential; the connections made with {@code from}
     * are being replaced, make before break.
     *
     * @param poolName the pool
     * @param time when
     * @param fromSlot the slot of the credential used until now
     * @param fromUsername its username
     * @param toSlot the slot of the credential now active
     * @param toUsername its username
     * @param generation the new credential generation
     */
    record CredentialSwitched(String poolName, Instant time, Slot fromSlot, String fromUsername, Slot toSlot,
                              String toUsername, long generation) implements RotationEvent {
    }

    /**
     * The source now lists the active credential as CURRENT where it used to be NEXT: the rotation was promoted, and
     * this pool already uses the promoted credential. Nothing is switched or replaced.
     *
     * @param poolName the pool
     * @param time when
     * @param username the active username
     * @param revision the source revision that promoted it
     */
    record CredentialsPromoted(String poolName, Instant time, String username, String revision)
            implements RotationEvent {
    }

    /**
     * The server rejected one login.
     *
     * @param poolName the pool
     * @param time when
     * @param slot the slot of the rejected credential
     * @param username its username
     * @param code the connector's code for the failure, e.g. {@code 28P01} or {@code WRONGPASS}
     */
    record CredentialRejected(String poolName, Instant time, Slot slot, String username, String code)
            implements RotationEvent {
    }

    /**
     * Every credential was rejected; logins fail fast for {@code retryAfter}.
     *
     * @param poolName the pool
     * @param time when
     * @param attempts the credentials tried
     * @param retryAfter how long logins fail fast
     * @param consecutiveRounds how many rounds in a row were rejected
     */
    record AllRejected(String poolName, Instant time, List<AllCredentialsRejectedException.Attempt> attempts,
                       Duration retryAfter, int consecutiveRounds) implements RotationEvent {
    }

    /**
     * The source was read successfully.
     *
     * @param poolName the pool
     * @param time when
     * @param revision the revision read
     * @param changed whether it differs from the previous set
     * @param nextStaged whether it holds a NEXT credential
     */
    record SourceReloaded(String poolName, Instant time, String revision, boolean changed, boolean nextStaged)
            implements RotationEvent {
    }

    /**
     * The source could not be read or held an invalid set; the engine keeps the last good set.
     *
     * @param poolName the pool
     * @param time when
     * @param source the source's description
     * @param problem what went wrong (the exception's type and message; names fields, not values)
     * @param keptRevision the revision still in use
     */
    record SourceFailed(String poolName, Instant time, String source, String problem, String keptRevision)
            implements RotationEvent {
    }

    /**
     * The connector was asked to retire connections older than {@code generation}.
     *
     * @param poolName the pool
     * @param time when
     * @param generation the generation now in force
     * @param reason why: a switch or an explicit request
     */
    record ConnectionsEvicted(String poolName, Instant time, long generation, String reason)
            implements RotationEvent {
    }
}
