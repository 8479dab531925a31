package io.dualcred.integration.support;

import io.dualcred.testservers.PostgresServer;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/** {@link ServerAdmin} for PostgreSQL, through the superuser. */
final class PostgresAdmin extends ManagedServerAdmin<PostgresServer> {

    PostgresAdmin(PostgresServer server) {
        super(server);
    }

    PostgresServer server() {
        return server;
    }

    @Override
    public String product() {
        return "PostgreSQL";
    }

    @Override
    public void createUser(String user, String password) {
        server.createLoginRole(user, password);
    }

    @Override
    public void addNextPassword(String user, String next) {
        // One password per role: NEXT exists only in the secret store until replacePassword.
    }

    @Override
    public void replacePassword(String user, String current, String next) {
        server.setPassword(user, next);
    }

    @Override
    public void removeOldPassword(String user, String current) {
        // One password per role: ALTER ROLE ... PASSWORD in replacePassword removed the old one already.
    }

    @Override
    public void disableLogin(String user) {
        server.setLogin(user, false);
    }

    @Override
    public void deleteUser(String user) {
        server.dropRole(user);
    }

    @Override
    public Mark mark() {
        Object now = server.query("SELECT clock_timestamp() AS now").get(0).get("now");
        return new Mark(((Timestamp) now).toInstant(), 0);
    }

    @Override
    public List<Long> sessions(String user) {
        return server.sessions(user).stream().map(session -> (long) session.pid()).toList();
    }

    @Override
    public List<Long> sessionsOpenedBefore(String user, Mark mark) {
        Instant before = mark.serverTime();
        return server.sessions(user).stream()
                .filter(session -> session.backendStart().isBefore(before))
                .map(session -> (long) session.pid())
                .toList();
    }

    @Override
    public int killSessionsOpenedBefore(String user, Mark mark) {
        return server.terminateSessionsStartedBefore(user, mark.serverTime());
    }

    @Override
    public int killSessions(String user) {
        return server.terminateSessions(user);
    }
}
