package io.dualcred.integration.support;

import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.RedisServer.ClientInfo;
import java.time.Instant;
import java.util.List;

/**
 * {@link ServerAdmin} for Redis, through the admin ACL user. Client ids grow with every connection, so "opened
 * before a moment" is "id lower than the id of a connection made at that moment".
 */
final class RedisAdmin extends ManagedServerAdmin<RedisServer> {

    RedisAdmin(RedisServer server) {
        super(server);
    }

    @Override
    public String product() {
        return "Redis";
    }

    @Override
    public void createUser(String user, String password) {
        server.setUser(user, password);
    }

    @Override
    public void addNextPassword(String user, String next) {
        server.addPassword(user, next);
    }

    @Override
    public void replacePassword(String user, String current, String next) {
        // One ACL command, applied entirely or not at all: NEXT added if it was not yet, CURRENT removed.
        server.execute("ACL", "SETUSER", user, ">" + next, "<" + current);
    }

    @Override
    public void removeOldPassword(String user, String current) {
        server.removePassword(user, current);
    }

    @Override
    public void disableLogin(String user) {
        server.disableUser(user);
    }

    @Override
    public void deleteUser(String user) {
        server.deleteUser(user);
    }

    @Override
    public Mark mark() {
        // The admin connection that asks is the newest one: every client opened later has a higher id.
        long id = (Long) server.execute("CLIENT", "ID");
        return new Mark(Instant.now(), id);
    }

    @Override
    public List<Long> sessions(String user) {
        return clientsOf(user).stream().map(ClientInfo::id).toList();
    }

    @Override
    public List<Long> sessionsOpenedBefore(String user, Mark mark) {
        return clientsOf(user).stream().map(ClientInfo::id).filter(id -> id < mark.lastClientId()).toList();
    }

    @Override
    public int killSessionsOpenedBefore(String user, Mark mark) {
        int killed = 0;
        for (long id : sessionsOpenedBefore(user, mark)) {
            if (server.killClient(id)) {
                killed++;
            }
        }
        return killed;
    }

    @Override
    public int killSessions(String user) {
        return (int) server.killClientsOfUser(user);
    }

    private List<ClientInfo> clientsOf(String user) {
        return server.clients().stream().filter(client -> user.equals(client.user())).toList();
    }
}
