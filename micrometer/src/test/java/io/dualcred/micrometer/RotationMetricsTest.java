package io.dualcred.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SecretFiles;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

class RotationMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aPostgresRotationShowsInTheMetersOfItsPool() throws Exception {
        PostgresServer server = PostgresServer.shared();
        String role = "metrics_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        String current = secret();
        String next = secret();
        server.createLoginRole(role, current);
        SecretFiles secrets = SecretFiles.create("metrics").hold(role, current, next);

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder().jdbcUrl(server.jdbcUrl())
                .poolName("orders-db").maximumPoolSize(2)
                .credentialSource(CredentialSources.directory(secrets.directory())).build()) {
            new RotationMetrics(dataSource, Tags.of("service", "orders")).bindTo(registry);
            query(dataSource);

            assertThat(value("dualcred.active.slot")).isZero();
            assertThat(value("dualcred.switches")).isZero();
            assertThat(value("dualcred.last.switch.age")).isNaN();
            double generationBefore = value("dualcred.generation");
            double loadsBefore = value("dualcred.source.loads");

            server.setPassword(role, next);
            dataSource.evictConnections();
            await().atMost(Duration.ofSeconds(10)).until(() -> value("dualcred.switches") == 1);
            query(dataSource);

            assertThat(value("dualcred.active.slot")).isEqualTo(1);
            assertThat(value("dualcred.logins.rejected")).isGreaterThanOrEqualTo(1);
            assertThat(value("dualcred.evictions")).isGreaterThanOrEqualTo(1);
            assertThat(value("dualcred.source.loads")).isGreaterThan(loadsBefore);
            assertThat(value("dualcred.generation")).isGreaterThan(generationBefore);
            assertThat(value("dualcred.last.switch.age")).isBetween(0.0, 60.0);
            assertThat(value("dualcred.fallback.in.use")).isZero();

            // the store follows: NEXT becomes CURRENT
            secrets.hold(role, next, secret());
            dataSource.refresh();
            assertThat(value("dualcred.promotions")).isEqualTo(1);
            assertThat(value("dualcred.active.slot")).isZero();
            assertThat(value("dualcred.source.failures")).isZero();

            assertThat(registry.getMeters()).allSatisfy(meter -> {
                assertThat(meter.getId().getTag("pool")).isEqualTo("orders-db");
                assertThat(meter.getId().getTag("service")).isEqualTo("orders");
            });
            assertThat(registry.getMetersAsString()).doesNotContain(current).doesNotContain(next);
        } finally {
            server.dropRole(role);
        }
    }

    @Test
    void aRedisPoolIsMeasuredThroughItsRotationControlEvenWhenNobodyKeepsIt() throws Exception {
        RedisServer server = RedisServer.shared();
        String user = "metrics-" + UUID.randomUUID();
        String current = secret();
        String next = secret();
        server.setUser(user, current);
        SecretFiles secrets = SecretFiles.create("metrics-redis").hold(user, current, next);

        try (DualCredentialJedisPool pool = DualCredentialRedis.builder().hostAndPort(server.host(), server.port())
                .poolName("sessions").credentialSource(CredentialSources.directory(secrets.directory()))
                .buildPool()) {
            new RotationMetrics(pool.rotation()).bindTo(registry);
            System.gc(); // the binder must not depend on the caller keeping rotation()'s answer
            ping(pool);

            server.setUser(user, next);
            pool.rotation().evictConnections();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                ping(pool);
                return value("dualcred.switches") == 1;
            });

            assertThat(value("dualcred.active.slot")).isEqualTo(1);
            assertThat(value("dualcred.logins.rejected")).isGreaterThanOrEqualTo(1);
            assertThat(registry.getMeters()).extracting(meter -> meter.getId().getTag("pool")).containsOnly("sessions");
        } finally {
            server.deleteUser(user);
        }
    }

    private double value(String name) {
        Meter meter = registry.get(name).meter();
        return meter.measure().iterator().next().getValue();
    }

    private static void query(DualCredentialDataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.isValid(1)).isTrue();
        }
    }

    private static void ping(DualCredentialJedisPool pool) {
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }

    private static String secret() {
        return "pw-" + UUID.randomUUID();
    }
}
