package io.dualcred.integration.support;

import java.time.Instant;
import java.util.List;

/**
 * What an operator does on the server during a rotation, in the words of the runbook, for PostgreSQL and Redis
 * alike. Every method acts through the server's own admin interface (superuser SQL, the Redis admin ACL user),
 * never through the pool under test.
 */
public interface ServerAdmin extends AutoCloseable {

    /** A moment on the server's own clock: sessions opened before it can be told from those opened after. */
    record Mark(Instant serverTime, long lastClientId) {
    }

    /** @return {@code PostgreSQL} or {@code Redis} */
    String product();

    /** @return the host clients connect to */
    String host();

    /** @return the port clients connect to */
    int port();

    /**
     * Creates a user that can log in with this password.
     *
     * @param user the user (PostgreSQL role, Redis ACL user)
     * @param password its password
     */
    void createUser(String user, String password);

    /**
     * First server step of a rotation: Redis adds NEXT to the user (both passwords work); PostgreSQL, which holds
     * one password per role, has nothing to do yet.
     *
     * @param user the user
     * @param next the new password
     */
    void addNextPassword(String user, String next);

    /**
     * The step the pools react to: from now on new logins with {@code current} are rejected and logins with
     * {@code next} accepted. PostgreSQL: {@code ALTER ROLE ... PASSWORD next}; Redis: {@code ACL SETUSER >next <current}.
     * Sessions already open keep working.
     *
     * @param user the user
     * @param current the password to stop accepting
     * @param next the password to accept
     */
    void replacePassword(String user, String current, String next);

    /**
     * Last server step of an overlapping rotation: Redis removes the old password ({@code ACL SETUSER <current}),
     * after which new logins with it are rejected; PostgreSQL, whose {@link #replacePassword} already replaced it,
     * has nothing left to do. Sessions already open keep working.
     *
     * @param user the user
     * @param current the password to stop accepting
     */
    void removeOldPassword(String user, String current);

    /**
     * Alternating users: the old user may no longer log in. PostgreSQL {@code ALTER ROLE ... NOLOGIN}; Redis
     * {@code ACL SETUSER ... off}. Sessions already open keep working.
     *
     * @param user the user
     */
    void disableLogin(String user);

    /**
     * Final revocation of an alternating user: PostgreSQL terminates its sessions and drops the role; Redis
     * {@code ACL DELUSER}, which closes its connections.
     *
     * @param user the user
     */
    void deleteUser(String user);

    /** @return the moment now, as the server will compare it with the start of each session */
    Mark mark();

    /**
     * @param user the user
     * @return ids of the user's open sessions (backend pids, Redis client ids)
     */
    List<Long> sessions(String user);

    /**
     * @param user the user
     * @param mark a moment from {@link #mark()}
     * @return ids of the user's open sessions that were opened before it
     */
    List<Long> sessionsOpenedBefore(String user, Mark mark);

    /**
     * Closes the user's sessions opened before {@code mark}: {@code pg_terminate_backend}, {@code CLIENT KILL ID}.
     *
     * @return how many were closed
     */
    int killSessionsOpenedBefore(String user, Mark mark);

    /**
     * Closes every session of the user.
     *
     * @return how many were closed
     */
    int killSessions(String user);

    /**
     * @param user the user, exactly as clients send it
     * @return rejected logins the server counted for it (PostgreSQL's log, Redis's {@code ACL LOG})
     */
    long rejectedLogins(String user);

    /** Stops a private server; clients get connection errors until {@link #start()}. */
    void stop();

    /** Starts a stopped private server on the same port, with its users and passwords. */
    void start();

    /** Deletes a private server; does nothing to the shared one. */
    @Override
    void close();
}
