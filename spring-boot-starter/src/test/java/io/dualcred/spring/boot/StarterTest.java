package io.dualcred.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SecretFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/** A Boot application configured by properties alone, against real servers, through a rotation of both passwords. */
class StarterTest {

    private static final PostgresServer POSTGRES = PostgresServer.shared();
    private static final RedisServer REDIS = RedisServer.shared();

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    @Test
    void propertiesAloneGiveRotatingPoolsWithHealthEndpointAndMeters() throws Exception {
        String[] db = {secret(), secret()};
        String role = newRole(db[0]);
        POSTGRES.execute("CREATE SCHEMA " + role + " AUTHORIZATION " + role);
        String user = "boot-" + UUID.randomUUID();
        String[] cache = {secret(), secret()};
        REDIS.setUser(user, cache[0]);
        SecretFiles dbSecrets = SecretFiles.create("boot-db").hold(role, db[0], db[1]);
        SecretFiles redisSecrets = SecretFiles.create("boot-redis").hold(user, cache[0], cache[1]);

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "spring.datasource.url=" + POSTGRES.jdbcUrl(),
                        "spring.datasource.hikari.maximum-pool-size=3",
                        "spring.datasource.hikari.schema=" + role,
                        // Flyway logs in as another user, on the URL read back from the dualcred DataSource
                        "dualcred.datasource.credential-source=file:" + dbSecrets.directory(),
                        "spring.flyway.user=" + POSTGRES.superuser(),
                        "spring.flyway.password=" + POSTGRES.superuserPassword(),
                        "spring.flyway.default-schema=" + role,
                        "spring.flyway.placeholders.owner=" + role,
                        "spring.data.redis.host=" + REDIS.host(),
                        "spring.data.redis.port=" + REDIS.port(),
                        "dualcred.redis.credential-source=file:" + redisSecrets.directory(),
                        "spring.liquibase.enabled=false",
                        "management.endpoints.access.default=unrestricted",
                        "management.endpoints.web.exposure.include=health,dualcred",
                        "management.endpoints.jmx.exposure.include=dualcred")
                .run()) {
            DataSource dataSource = app.getBean(DataSource.class);
            assertThat(dataSource).isInstanceOf(DualCredentialDataSource.class);
            assertThat(countOrders(dataSource)).isZero();
            RedisConnectionFactory redis = app.getBean(RedisConnectionFactory.class);
            assertThat(ping(redis)).isEqualTo("PONG");
            DualcredEndpoint endpoint = app.getBean(DualcredEndpoint.class);
            MeterRegistry meters = app.getBean(MeterRegistry.class);
            CompositeHealthContributor health = app.getBean("dualcredHealthContributor",
                    CompositeHealthContributor.class);

            POSTGRES.setPassword(role, db[1]);
            REDIS.setUser(user, cache[1]);
            endpoint.act("evict");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(countOrders(dataSource)).isZero();
                assertThat(ping(redis)).isEqualTo("PONG");
                assertThat(meters.get("dualcred.switches").tag("pool", "dataSource").functionCounter().count())
                        .isEqualTo(1);
                assertThat(meters.get("dualcred.switches").tag("pool", "redis").functionCounter().count())
                        .isEqualTo(1);
            });

            String statuses = endpoint.pools().toString();
            assertThat(statuses).contains("dataSource", "redis", "activeSlot=NEXT").doesNotContain("activeSlot=CURRENT");
            for (String pool : new String[] {"dataSource", "redis"}) {
                HealthIndicator indicator = (HealthIndicator) health.getContributor(pool);
                assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                assertThat(indicator.health().getDetails()).containsEntry("activeSlot", "NEXT");
            }
            assertThat(meters.get("dualcred.active.slot").tag("pool", "redis").gauge().value()).isEqualTo(1);
            String everything = statuses + health.getContributor("dataSource") + meters.getMeters();
            for (String password : new String[] {db[0], db[1], cache[0], cache[1]}) {
                assertThat(everything).doesNotContain(password);
            }
        } finally {
            POSTGRES.execute("DROP SCHEMA " + role + " CASCADE");
            POSTGRES.dropRole(role);
            REDIS.deleteUser(user);
        }
    }

    @Test
    void liquibaseLogsInAsItsOwnUserOnThePoolsUrl() throws Exception {
        String password = secret();
        String role = newRole(password);
        POSTGRES.execute("CREATE SCHEMA " + role + " AUTHORIZATION " + role);
        SecretFiles secrets = SecretFiles.create("boot-liquibase").hold(role, password, "");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "spring.datasource.url=" + POSTGRES.jdbcUrl(),
                        "spring.datasource.hikari.schema=" + role,
                        "dualcred.datasource.credential-source=file:" + secrets.directory(),
                        "spring.flyway.enabled=false",
                        "spring.liquibase.change-log=classpath:db/liquibase/changelog.sql",
                        "spring.liquibase.default-schema=" + role,
                        "spring.liquibase.parameters.owner=" + role,
                        "spring.liquibase.user=" + POSTGRES.superuser(),
                        "spring.liquibase.password=" + POSTGRES.superuserPassword())
                .run()) {
            try (Connection connection = app.getBean(DataSource.class).getConnection();
                 ResultSet rows = connection.createStatement().executeQuery(
                         "SELECT tableowner FROM pg_tables WHERE tablename = 'invoices'")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo(role);
            }
        } finally {
            POSTGRES.execute("DROP SCHEMA " + role + " CASCADE");
            POSTGRES.dropRole(role);
        }
    }

    @Test
    void aPasswordPropertyNextToACredentialSourceIsRefusedNamingIt() {
        SpringApplicationBuilder app = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties(Map.of(
                        "spring.datasource.url", POSTGRES.jdbcUrl(),
                        "spring.datasource.password", "not-to-be-repeated",
                        "spring.flyway.enabled", "false",
                        "dualcred.datasource.credential-source", "sysprop:unused"));

        assertThatThrownBy(app::run).satisfies(failure -> {
            FailureAnalysis analysis = new DualcredFailureAnalyzer().analyze(failure);
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("spring.datasource.password")
                    .doesNotContain("not-to-be-repeated");
            assertThat(analysis.getAction()).contains("Remove spring.datasource.password");
        });
    }

    @Test
    void everyCredentialRejectedAtStartUpIsAnalysed() {
        String role = newRole(secret());
        SecretFiles wrong = SecretFiles.create("boot-wrong").hold(role, secret(), secret());
        try {
            SpringApplicationBuilder app = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .properties(Map.of(
                            "spring.datasource.url", POSTGRES.jdbcUrl(),
                            "spring.flyway.enabled", "false",
                            "dualcred.datasource.credential-source", "file:" + wrong.directory()));

            assertThatThrownBy(app::run).satisfies(failure -> {
                FailureAnalysis analysis = new CredentialsRejectedFailureAnalyzer().analyze(failure);
                assertThat(analysis).isNotNull();
                assertThat(analysis.getDescription()).contains("rejected every credential").contains(role);
                assertThat(analysis.getAction()).contains("dualcred.datasource.credential-source");
            });
        } finally {
            POSTGRES.dropRole(role);
        }
    }

    private static String newRole(String password) {
        String role = "boot_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        POSTGRES.createLoginRole(role, password);
        return role;
    }

    private static int countOrders(DataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection();
             ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM orders")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static String ping(RedisConnectionFactory factory) {
        try (RedisConnection connection = factory.getConnection()) {
            return connection.ping();
        }
    }

    private static String secret() {
        return "pw-" + UUID.randomUUID();
    }
}
