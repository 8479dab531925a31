package io.dualcred.drill;

import io.dualcred.rotation.RotationListener;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A server the drill rehearses a rotation on, reached with admin credentials: an embedded one it started or a
 * staging one the user named. It creates the drill's own throw-away users, changes their passwords the way the
 * runbook does, finds and terminates sessions opened before a change, and builds the contenders' pools.
 *
 * <p>Nothing here prints or logs a password; descriptions name hosts and users only.
 */
interface ServerTarget extends AutoCloseable {

    /** Pool settings shared by every contender, so that they differ only in how they log in. */
    record PoolSettings(int poolSize, Duration connectionTimeout) {
    }

    /**
     * What the runbook's fleet check (section 9.1) showed for one user, beside what the server knew of the same
     * sessions at the same moment.
     *
     * @param byVersion the user's sessions per credential version, as the check groups them: {@code v1} for the tag
     *     {@code [dualcred:v1]}, {@code untagged} for a session without one
     * @param openedBefore how many of those sessions were opened before the marker of the password change
     */
    record FleetCheck(Map<String, Integer> byVersion, int openedBefore) {

        /** @return how many sessions carry {@code version}'s tag, e.g. {@code v1} */
        int tagged(String version) {
            return byVersion.getOrDefault(version, 0);
        }
    }

    Backend backend();

    /** @return how the servers are arranged: {@code single}, or for Redis also {@code sentinel} or {@code cluster} */
    default String topology() {
        return "single";
    }

    /** @return e.g. {@code PostgreSQL 18.1 (embedded, 127.0.0.1:5432)}; never a password */
    String description();

    /** @return how the server is told the new password, for the report, e.g. {@code ALTER ROLE ... PASSWORD} */
    String passwordChangeCommand();

    /** @return where the server lists sessions, e.g. {@code pg_stat_activity} */
    String sessionsView();

    /** Creates a user that may log in with the password and run the drill's operation. */
    void createUser(String user, String password);

    /**
     * Replaces the user's password on the server, as the runbook's "change the password" step does. Open sessions
     * keep working; new logins need the new password.
     *
     * @return a marker: sessions opened before it logged in with the old password
     */
    long changePassword(String user, String oldPassword, String newPassword);

    /** @return how many of the user's sessions were opened before the marker */
    int sessionsOpenedBefore(String user, long marker);

    /**
     * Runs the runbook's fleet check for the user and counts, in the same snapshot of the server's sessions, those
     * opened before the marker.
     */
    FleetCheck fleetCheck(String user, long marker);

    /** @return the runbook's fleet check as the operator types it, for the report */
    String fleetCheckCommand();

    /** Terminates the user's sessions opened before the marker and waits until they are gone; returns how many. */
    int terminateSessionsOpenedBefore(String user, long marker);

    /** @return how many logins of the user the server rejected so far, when the server can tell */
    OptionalLong rejectedLogins(String user);

    /** Removes the user and anything the drill created for it; best effort. */
    void dropUser(String user);

    /**
     * How long after a password change the user's first session with the new password was opened, as far as the
     * server can tell (PostgreSQL: exactly, from {@code backend_start}; Redis: when this call first finds a client
     * that logged in after the change, so to the resolution of its polling).
     *
     * @param marker what {@link #changePassword} returned
     * @param changedNanos {@link System#nanoTime()} right after the change
     * @return milliseconds, or empty when there is no such session yet
     */
    java.util.OptionalDouble firstLoginAfter(String user, long marker, long changedNanos);

    /**
     * Opens one contender's pool.
     *
     * @param password the fixed password, for the fixed contenders
     * @param secrets the contender's secret directory; {@code null} for the fixed contenders
     * @param listener receives a dualcred pool's rotation events
     */
    DrillClient open(Contender contender, String user, String password, SecretDirectory secrets,
                     RotationListener listener, PoolSettings settings);

    /** Closes the admin connection (not the server). */
    @Override
    void close();
}
