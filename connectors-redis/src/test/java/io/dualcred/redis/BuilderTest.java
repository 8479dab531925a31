package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.clientsOf;
import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.redis.internal.JedisFeatures;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.testservers.RedisServer;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The builder's settings reach the connections; bad settings fail at build time with a message naming them. */
class BuilderTest {

    private final RedisServer server = RedisServer.shared();

    @Test
    void aCredentialSourceIsRequired() {
        assertThatThrownBy(() -> DualCredentialRedis.builder().buildPool())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("credentialSource");
    }

    /** Both builds run this: the default one on a Jedis with RedisClient, the version-range one on Jedis 6.0.0. */
    @Test
    void buildClientWorksOnAJedisWithRedisClientAndNamesTheVersionItNeedsOnAnOlderOne() {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder().credentialSource(new MutableSource(
                Credential.of("app", "pw")));

        if (JedisFeatures.hasRedisClient()) {
            try (DualCredentialRedisClient client = builder.buildClient()) {
                assertThat(client.client()).isInstanceOf(RedisClient.class);
            }
        } else {
            assertThatThrownBy(builder::buildClient)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("needs Jedis 7.2.0 or later")
                    .hasMessageContaining("the class path has Jedis " + JedisFeatures.version())
                    .hasMessageContaining("buildPool()");
        }
    }

    @Test
    void anUnreadableSourceFailsTheBuildNamingTheProblem() {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder().credentialSource(() -> {
            throw new CredentialSourceException("REDIS_PASSWORD_CURRENT is not set");
        });

        assertThatThrownBy(builder::buildPool).isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("REDIS_PASSWORD_CURRENT");
    }

    @Test
    void aUriWithCredentialsIsRefusedWithoutRepeatingIt() {
        String password = secret("in-uri");

        assertThatThrownBy(() -> DualCredentialRedis.builder().uri("redis://app:" + password + "@localhost:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credential source")
                .hasMessageNotContaining(password);
    }

    @Test
    void invalidSettingsAreNamed() {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder();

        assertThatThrownBy(() -> builder.hostAndPort("localhost", 0)).hasMessageContaining("port");
        assertThatThrownBy(() -> builder.database(-1)).hasMessageContaining("database");
        assertThatThrownBy(() -> builder.maxTotal(0)).hasMessageContaining("maxTotal");
        assertThatThrownBy(() -> builder.socketTimeout(Duration.ofMillis(-1))).hasMessageContaining("socketTimeout");
        assertThatThrownBy(() -> builder.clientName("two words")).hasMessageContaining("clientName");
        assertThatThrownBy(() -> builder.uri("http://localhost")).hasMessageContaining("scheme");
    }

    /** Building reads the source and nothing else: the first connection is made by the first command. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void buildingDoesNotConnect(boolean helloHandshake) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder().hostAndPort("127.0.0.1", closedPort)
                .credentialSource(new MutableSource(Credential.of("app", "pw"))).helloHandshake(helloHandshake);

        for (Flavour flavour : Flavour.tested()) {
            try (Subject redis = flavour.build(builder)) {
                assertThatThrownBy(() -> redis.get("key")).as(flavour.name())
                        .isInstanceOf(JedisConnectionException.class);
                assertThat(redis.rotation().status().counters().rejectedLogins()).isZero();
            }
        }
    }

    @Test
    void aJedisPoolRefusesResp3() {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                .credentialSource(new MutableSource(Credential.of("app", "pw")))
                .protocol(RedisProtocol.RESP3);

        assertThatThrownBy(builder::buildPool).isInstanceOf(IllegalStateException.class).hasMessageContaining("RESP2");
    }

    /** RESP3 is for RedisClient only; the version-range build leaves out this tag (Jedis 6.0.0 has no RedisClient). */
    @Test
    @Tag("jedis-redis-client")
    void uriSettingsReachTheConnections() throws Exception {
        String user = uniqueUser("app");
        String password = secret("current");
        server.setUser(user, password);
        MutableSource source = new MutableSource(Credential.of(user, password));

        try (DualCredentialRedisClient database3 = DualCredentialRedis.builder()
                     .uri(server.uri() + "/3?protocol=3").credentialSource(source).clientName("orders-cache")
                     .buildClient();
             DualCredentialRedisClient database0 = DualCredentialRedis.builder()
                     .uri(server.uri()).credentialSource(source).buildClient()) {
            RedisClient client = database3.client();
            client.set("where", "three");

            assertThat(database0.client().get("where")).isNull();
            assertThat(client.get("where")).isEqualTo("three");
            try (Connection connection = client.getPool().getResource()) {
                assertThat(connection.getRedisProtocol()).isEqualTo(RedisProtocol.RESP3);
            }
            assertThat(clientsOf(server, user)).extracting(RedisServer.ClientInfo::name)
                    .contains("orders-cache[dualcred:unversioned]");
        }
    }

    /** Jedis warns on every connect when the protocol is left to negotiation; the connector always sets it. */
    @Test
    void jedisLogsNoProtocolWarning() throws Exception {
        String user = uniqueUser("app");
        String password = secret("current");
        server.setUser(user, password);
        ListAppender<ILoggingEvent> jedisLog = new ListAppender<>();
        Logger jedisLogger = (Logger) LoggerFactory.getLogger("redis.clients.jedis");
        jedisLog.setContext(jedisLogger.getLoggerContext());
        jedisLog.start();
        jedisLogger.addAppender(jedisLog);
        try (DualCredentialJedisPool pool = DualCredentialRedis.builder().hostAndPort(server.host(), server.port())
                .credentialSource(new MutableSource(Credential.of(user, password))).buildPool()) {
            try (Jedis first = pool.getResource(); Jedis second = pool.getResource()) {
                first.set("a", "1");
                second.set("b", "2");
            }
        } finally {
            jedisLogger.detachAppender(jedisLog);
        }

        assertThat(jedisLog.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(message -> message.contains("RESP3") || message.contains("negotiation"));
    }
}
