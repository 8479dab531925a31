package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Uses the shared server; every test creates its own users. */
class RedisServerTest {

    private final RedisServer server = RedisServer.shared();

    @Test
    void adminRunsCommandsAndUriHasNoCredentials() {
        assertThat(server.execute("SET", "greeting", "grüß dich")).isEqualTo("OK");
        assertThat(server.execute("GET", "greeting")).isEqualTo("grüß dich");
        assertThat(server.execute("INCRBY", "counter", "5")).isEqualTo(5L);
        assertThat((String) server.execute("INFO", "server")).contains("redis_version:6.2");
        assertThat(server.uri()).isEqualTo("redis://" + server.host() + ":" + server.port());
        assertThat(server.uri()).doesNotContain(server.adminPassword());
    }

    @Test
    void wrongPasswordIsRejectedWithWrongpass() {
        String user = Names.unique("wrong");
        server.setUser(user, "right");

        assertThatThrownBy(() -> RedisClients.connect(server, user, "wrong").close())
                .isInstanceOf(JedisAccessControlException.class)
                .hasMessageStartingWith("WRONGPASS");
        try (Jedis jedis = RedisClients.connect(server, user, "right")) {
            assertThat(jedis.aclWhoAmI()).isEqualTo(user);
        }
    }

    @Test
    void passwordRotationWithTwoPasswords() {
        String user = Names.unique("rotate");
        server.setUser(user, "old");
        try (Jedis before = RedisClients.connect(server, user, "old")) {
            server.addPassword(user, "new");
            RedisClients.connect(server, user, "old").close();
            RedisClients.connect(server, user, "new").close();

            server.removePassword(user, "old");
            assertThatThrownBy(() -> RedisClients.connect(server, user, "old").close())
                    .hasMessageStartingWith("WRONGPASS");
            RedisClients.connect(server, user, "new").close();
            assertThat(before.ping()).as("authenticated connections survive").isEqualTo("PONG");
        }
    }

    @Test
    void awkwardPasswordsWork() {
        String user = Names.unique("awkward:@$%");
        server.setUser(user, Names.AWKWARD_PASSWORDS);
        for (String password : Names.AWKWARD_PASSWORDS) {
            try (Jedis jedis = RedisClients.connect(server, user, password)) {
                assertThat(jedis.aclWhoAmI()).isEqualTo(user);
            }
        }
        server.removePassword(user, "pässwörd ☃");
        assertThatThrownBy(() -> RedisClients.connect(server, user, "pässwörd ☃").close())
                .hasMessageStartingWith("WRONGPASS");
    }

    @Test
    void authenticationFailuresCountExactlyTheRejectedAttempts() {
        String user = Names.unique("counted");
        server.setUser(user, "right");
        String unknown = Names.unique("nobody");
        assertThat(server.authenticationFailures(user)).isZero();

        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> RedisClients.connect(server, user, "wrong").close())
                    .isInstanceOf(JedisAccessControlException.class);
        }
        RedisClients.connect(server, user, "right").close();
        assertThatThrownBy(() -> RedisClients.connect(server, unknown, "any").close())
                .hasMessageStartingWith("WRONGPASS");

        assertThat(server.authenticationFailures(user)).isEqualTo(4);
        assertThat(server.authenticationFailures(unknown)).isEqualTo(1);
    }

    @Test
    void disabledAndDeletedUsersCannotAuthenticate() {
        String user = Names.unique("disabled");
        server.setUser(user, "pw");
        try (Jedis open = RedisClients.connect(server, user, "pw")) {
            server.disableUser(user);
            assertThatThrownBy(() -> RedisClients.connect(server, user, "pw").close())
                    .hasMessageStartingWith("WRONGPASS");
            assertThat(open.ping()).as("disabling leaves open connections alone").isEqualTo("PONG");

            server.enableUser(user);
            RedisClients.connect(server, user, "pw").close();

            assertThat(server.deleteUser(user)).isTrue();
            assertThatThrownBy(open::ping).as("deleting closes connections").isInstanceOf(JedisConnectionException.class);
            assertThatThrownBy(() -> RedisClients.connect(server, user, "pw").close())
                    .hasMessageStartingWith("WRONGPASS");
            assertThat(server.deleteUser(user)).isFalse();
        }
    }

    @Test
    void clientsAreListedAndKilled() {
        String user = Names.unique("clients");
        server.setUser(user, "pw");
        try (Jedis first = RedisClients.connect(server, user, "pw", "first");
             Jedis second = RedisClients.connect(server, user, "pw", "second");
             Jedis third = RedisClients.connect(server, user, "pw", "third")) {
            List<RedisServer.ClientInfo> clients = server.clients().stream()
                    .filter(client -> user.equals(client.user())).toList();
            assertThat(clients).extracting(RedisServer.ClientInfo::name)
                    .containsExactlyInAnyOrder("first", "second", "third");
            assertThat(clients).allSatisfy(client -> {
                assertThat(client.ageSeconds()).isBetween(0L, 60L);
                assertThat(client.address()).contains(":");
            });
            assertThat(server.clients()).noneMatch(client -> RedisServer.ADMIN_USER.equals(client.user()));

            long firstId = clients.stream().filter(client -> client.name().equals("first")).findFirst().orElseThrow().id();
            assertThat(server.killClient(firstId)).isTrue();
            assertThatThrownBy(first::ping).isInstanceOf(JedisConnectionException.class);
            assertThat(second.ping()).isEqualTo("PONG");

            assertThat(server.killClientsOfUser(user)).isEqualTo(2);
            assertThatThrownBy(third::ping).isInstanceOf(JedisConnectionException.class);
            assertThat(server.killClientsOfUser(Names.unique("no-such-user"))).isZero();
        }
    }

    @Test
    void adminUserIsProtectedAndSharedServerCannotBeStopped() {
        assertThatThrownBy(() -> server.setUser(RedisServer.ADMIN_USER, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(server::stop).isInstanceOf(IllegalStateException.class);
        server.close();
        assertThat(server.isRunning()).isTrue();
        assertThat(RedisServer.shared()).isSameAs(server);
    }
}
