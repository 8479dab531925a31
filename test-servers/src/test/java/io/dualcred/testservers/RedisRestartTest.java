package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Uses a private server: it stops it and changes the default user. */
class RedisRestartTest {

    @Test
    void requirePassNeverLocksOutTheAdmin() {
        try (RedisServer server = RedisServer.startNew()) {
            RedisClients.connect(server, null, null).close();

            server.setRequirePass("s3cret ☃ 'x'");
            assertThatThrownBy(() -> RedisClients.connect(server, null, "wrong").close())
                    .hasMessageStartingWith("WRONGPASS");
            try (Jedis jedis = RedisClients.connect(server, null, "s3cret ☃ 'x'")) {
                assertThat(jedis.aclWhoAmI()).isEqualTo("default");
            }
            assertThat(server.authenticationFailures("default")).isEqualTo(1);

            server.execute("ACL", "SETUSER", "default", "off");
            assertThat(server.execute("PING")).isEqualTo("PONG");
            server.setRequirePass("again");
            RedisClients.connect(server, null, "again").close();

            server.setRequirePass(null);
            RedisClients.connect(server, null, null).close();
        }
    }

    @Test
    void restartKeepsPortUsersPasswordsAndFailureCounts() {
        try (RedisServer server = RedisServer.startNew()) {
            assertThat(server).isNotSameAs(RedisServer.shared());
            int port = server.port();
            server.setUser("app", "one", "two words");
            server.setRequirePass("for default");
            assertThatThrownBy(() -> RedisClients.connect(server, "app", "wrong").close())
                    .hasMessageStartingWith("WRONGPASS");
            Jedis open = RedisClients.connect(server, "app", "one");

            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(open::ping).isInstanceOf(JedisConnectionException.class);
            open.close();
            assertThatThrownBy(() -> RedisClients.connect(server, "app", "one").close())
                    .isInstanceOf(JedisConnectionException.class);
            assertThat(server.authenticationFailures("app")).isEqualTo(1);

            server.start();
            assertThat(server.port()).isEqualTo(port);
            RedisClients.connect(server, "app", "one").close();
            RedisClients.connect(server, "app", "two words").close();
            RedisClients.connect(server, null, "for default").close();
            assertThatThrownBy(() -> RedisClients.connect(server, "app", "wrong").close())
                    .hasMessageStartingWith("WRONGPASS");
            assertThat(server.authenticationFailures("app")).isEqualTo(2);

            server.restart();
            RedisClients.connect(server, "app", "two words").close();
            assertThat(server.authenticationFailures("app")).isEqualTo(2);
        }
    }
}
