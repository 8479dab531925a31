package io.dualcred.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SecretFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import redis.clients.jedis.Jedis;

/**
 * {@code spring.data.redis.*} with {@code dualcred.redis.credential-source}, against the real Redis: what is honoured
 * reaches the connections, what is not stops the start naming the property, and health tells a locked-out pool.
 */
class RedisPropertiesTest {

    private static final PostgresServer POSTGRES = PostgresServer.shared();
    private static final RedisServer REDIS = RedisServer.shared();

    private final String user = "boot-redis-" + UUID.randomUUID();
    private final String current = "pw-" + UUID.randomUUID();
    private final String next = "pw-" + UUID.randomUUID();
    private final SecretFiles secrets = SecretFiles.create("boot-redis-props");

    @AfterEach
    void deleteUser() {
        REDIS.deleteUser(user);
    }

    @Test
    void theUrlsDatabaseReachesTheConnections() {
        REDIS.setUser(user, current);
        secrets.hold(user, current, "");
        try (ConfigurableApplicationContext app = start(
                "spring.data.redis.url=redis://" + REDIS.host() + ":" + REDIS.port() + "/5")) {
            StringRedisTemplate template = new StringRedisTemplate(app.getBean(RedisConnectionFactory.class));
            String key = "boot-url-" + UUID.randomUUID();
            template.opsForValue().set(key, "five");

            try (Jedis direct = new Jedis(REDIS.host(), REDIS.port())) {
                direct.auth(user, current);
                assertThat(direct.get(key)).as("database 0").isNull();
                direct.select(5);
                assertThat(direct.get(key)).isEqualTo("five");
            }
        }
    }

    @Test
    void sslEnabledReachesTheConnections() {
        REDIS.setUser(user, current);
        secrets.hold(user, current, "");
        try (ConfigurableApplicationContext app = start("spring.data.redis.host=" + REDIS.host(),
                "spring.data.redis.port=" + REDIS.port(), "spring.data.redis.ssl.enabled=true",
                "spring.data.redis.connect-timeout=2s", "spring.data.redis.timeout=2s")) {
            // A plain server cannot answer a TLS handshake: the client tried one.
            assertThatThrownBy(() -> ping(app.getBean(RedisConnectionFactory.class)))
                    .hasStackTraceContaining("SSL");
            assertThat(REDIS.authenticationFailures(user)).as("no login reached the server in plain text").isZero();
        }
    }

    @Test
    void whatCannotBeHonouredStopsTheStartNamingThePropertyNeverItsValue() {
        REDIS.setUser(user, current);
        secrets.hold(user, current, "");
        String base = "spring.data.redis.host=" + REDIS.host();
        assertRefused("spring.data.redis.sentinel", base, "spring.data.redis.sentinel.master=mymaster",
                "spring.data.redis.sentinel.nodes=127.0.0.1:26379");
        assertRefused("spring.data.redis.cluster", base, "spring.data.redis.cluster.nodes=127.0.0.1:7000");
        assertRefused("spring.data.redis.client-type", base, "spring.data.redis.client-type=lettuce");
        assertRefused("spring.data.redis.password", base, "spring.data.redis.password=" + current);
        assertRefused("spring.data.redis.url", "spring.data.redis.url=redis://" + user + ":" + current + "@"
                + REDIS.host() + ":" + REDIS.port());
        assertRefused("spring.data.redis.url", "spring.data.redis.url=redis://" + current + " spaces@host");
    }

    @Test
    void healthIsDownWithTheSlotsAndUsernamesTriedWhileEveryCredentialIsRejectedAndUpOnceOneIsAccepted() {
        REDIS.setUser(user, current);
        secrets.hold(user, current, next);
        try (ConfigurableApplicationContext app = start("spring.data.redis.host=" + REDIS.host(),
                "spring.data.redis.port=" + REDIS.port(), "dualcred.rotation.backoff-initial=100ms",
                "dualcred.rotation.backoff-multiplier=2", "dualcred.rotation.backoff-max=400ms")) {
            RedisConnectionFactory factory = app.getBean(RedisConnectionFactory.class);
            HealthIndicator health = (HealthIndicator) app.getBean("dualcredHealthContributor",
                    CompositeHealthContributor.class).getContributor("redis");
            assertThat(ping(factory)).isEqualTo("PONG");
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            // Someone set a password the store does not have, and dropped the open connections.
            REDIS.setUser(user, "pw-" + UUID.randomUUID());
            REDIS.killClientsOfUser(user);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                tryPing(factory);
                return health.health().getStatus().equals(Status.DOWN);
            });
            Health down = health.health();
            assertThat(down.getDetails().get("rejectedCredentials"))
                    .isEqualTo(List.of("CURRENT " + user, "NEXT " + user));
            assertThat(down.toString()).doesNotContain(current, next);

            REDIS.setUser(user, next);
            await().atMost(Duration.ofSeconds(10)).until(() -> "PONG".equals(tryPing(factory)));
            Health up = health.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("activeSlot", "NEXT").doesNotContainKey("rejectedCredentials");
        }
    }

    private void assertRefused(String property, String... properties) {
        assertThatThrownBy(() -> start(properties).close()).satisfies(failure -> {
            FailureAnalysis analysis = new DualcredFailureAnalyzer().analyze(failure);
            assertThat(analysis).as(property + ": " + failure).isNotNull();
            assertThat(analysis.getDescription()).contains(property).doesNotContain(current);
            assertThat(analysis.getAction()).isNotBlank().doesNotContain(current);
        });
    }

    private ConfigurableApplicationContext start(String... redisProperties) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.datasource.url=" + POSTGRES.jdbcUrl(),
                "spring.datasource.username=" + POSTGRES.superuser(),
                "spring.datasource.password=" + POSTGRES.superuserPassword(),
                "spring.flyway.enabled=false",
                "spring.liquibase.enabled=false",
                "dualcred.redis.credential-source=file:" + secrets.directory()));
        properties.addAll(List.of(redisProperties));
        return new SpringApplicationBuilder(StarterTest.App.class).web(WebApplicationType.NONE)
                .properties(properties.toArray(String[]::new)).run();
    }

    private static String ping(RedisConnectionFactory factory) {
        try (RedisConnection connection = factory.getConnection()) {
            return connection.ping();
        }
    }

    private static String tryPing(RedisConnectionFactory factory) {
        try {
            return ping(factory);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
