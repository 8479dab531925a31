package io.dualcred.bootapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SecretFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 11's "done when": the orders service, configured by properties alone, serves 8 threads of HTTP load while
 * both passwords are rotated the runbook's way, and fails no request; the switch shows in health, in the dualcred
 * endpoint and in Prometheus; no password appears in actuator output or in the log.
 */
class RotationUnderHttpLoadTest {

    private static final int THREADS = 8;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void bothPasswordsRotateUnderLoadWithNoFailedRequest() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        RedisServer redis = RedisServer.shared();
        String role = "orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        String dbOld = secret();
        String dbNew = secret();
        postgres.createLoginRole(role, dbOld);
        postgres.execute("CREATE SCHEMA " + role + " AUTHORIZATION " + role);
        SecretFiles dbSecrets = SecretFiles.create("orders-db").hold(role, dbOld, dbNew);
        String user = "orders-" + UUID.randomUUID();
        String redisOld = secret();
        String redisNew = secret();
        redis.setUser(user, redisOld);
        SecretFiles redisSecrets = SecretFiles.create("orders-redis").hold(user, redisOld, "");
        Path log = Files.createTempDirectory("orders-log").resolve("orders.log");
        List<String> passwords = List.of(dbOld, dbNew, redisOld, redisNew);

        try (ConfigurableApplicationContext app = SpringApplication.run(OrdersApplication.class,
                "--server.port=0",
                "--logging.file.name=" + log,
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.hikari.schema=" + role,
                "--spring.datasource.hikari.maximum-pool-size=8",
                "--spring.flyway.default-schema=" + role,
                "--dualcred.datasource.credential-source=file:" + dbSecrets.directory(),
                "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(),
                "--dualcred.redis.credential-source=file:" + redisSecrets.directory(),
                "--management.endpoint.env.show-values=always",
                "--management.endpoint.configprops.show-values=always")) {
            String base = "http://localhost:" + ((WebServerApplicationContext) app).getWebServer().getPort();
            assertThat(get(base + "/actuator/health")).contains("\"status\":\"UP\"");

            try (Load load = new Load(base)) {
                load.awaitMore(200);

                // 1. NEXT is staged for PostgreSQL; stage it for Redis
                redisSecrets.hold(user, redisOld, redisNew);
                load.awaitMore(100);
                // 2. change the passwords on the servers (Redis: both valid until revocation)
                postgres.setPassword(role, dbNew);
                redis.addPassword(user, redisNew);
                // 3. the services switch: PostgreSQL at its next logins, made now by the operator's evict
                post(base + "/actuator/dualcred/evict");
                await().atMost(Duration.ofSeconds(15)).until(() -> get(base + "/actuator/dualcred")
                        .contains("\"activeSlot\":\"NEXT\""));
                load.awaitMore(200);
                // 4. promote NEXT to CURRENT in the stores
                dbSecrets.hold(role, dbNew, "");
                redisSecrets.hold(user, redisNew, "");
                post(base + "/actuator/dualcred/refresh");
                // 5. revoke the old Redis password once every pool follows the store
                await().atMost(Duration.ofSeconds(15)).until(() -> !get(base + "/actuator/dualcred")
                        .contains("\"fallbackInUse\":true"));
                redis.removePassword(user, redisOld);
                load.awaitMore(300);

                assertThat(load.failures).as("failed requests").isEmpty();
                assertThat(load.succeeded.get()).isGreaterThanOrEqualTo(800);
                // The rotation's numbers, for the record (the pools' counters are in the status below)
                System.out.printf("orders service: %d requests served through the rotation, %d failed%n",
                        load.succeeded.get(), load.failures.size());
            }

            String status = get(base + "/actuator/dualcred");
            System.out.println("orders service: /actuator/dualcred after the rotation: " + status);
            assertThat(status).contains("\"dataSource\"", "\"redis\"").doesNotContain("\"generation\":0,");
            assertThat(status).contains("\"switches\":1");
            String health = get(base + "/actuator/health");
            assertThat(health).contains("\"dualcred\"", "\"status\":\"UP\"", "\"generation\"");
            String prometheus = get(base + "/actuator/prometheus");
            // PostgreSQL switched at its logins (CURRENT rejected, NEXT accepted), so the store's promotion found it
            // on NEXT already; Redis took both passwords until the revocation, so it never needed NEXT and switched
            // when the store's new CURRENT replaced the one it used.
            assertThat(prometheus).contains("dualcred_switches_total{pool=\"dataSource\"} 1.0")
                    .contains("dualcred_promotions_total{pool=\"dataSource\"} 1.0")
                    .contains("dualcred_switches_total{pool=\"redis\"} 1.0")
                    .contains("dualcred_promotions_total{pool=\"redis\"} 0.0")
                    .contains("dualcred_generation{pool=\"dataSource\"} 2.0")
                    .contains("dualcred_generation{pool=\"redis\"} 2.0")
                    .contains("hikaricp_connections");

            List<String> outputs = new ArrayList<>(List.of(status, health, prometheus,
                    get(base + "/actuator/env"), get(base + "/actuator/configprops")));
            outputs.add(Files.readString(log));
            for (String output : outputs) {
                for (String password : passwords) {
                    assertThat(output).doesNotContain(password);
                }
            }
        } finally {
            postgres.execute("DROP SCHEMA " + role + " CASCADE");
            postgres.dropRole(role);
            redis.deleteUser(user);
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private void post(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
    }

    private static String secret() {
        return "pw-" + UUID.randomUUID();
    }

    /** 8 threads placing orders until closed; every non-200 answer or exception is a failure. */
    private final class Load implements AutoCloseable {

        final AtomicLong succeeded = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        private final List<Future<?>> workers = new ArrayList<>();

        Load(String base) {
            for (int i = 0; i < THREADS; i++) {
                String item = "item" + i;
                workers.add(threads.submit(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                            URI.create(base + "/orders/" + item))
                                    .POST(HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                succeeded.incrementAndGet();
                            } else {
                                failures.add(response.statusCode() + " " + response.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
        }

        void awaitMore(long requests) {
            long target = succeeded.get() + requests;
            await().atMost(Duration.ofSeconds(30)).until(() -> succeeded.get() >= target || !failures.isEmpty());
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            for (Future<?> worker : workers) {
                worker.get();
            }
            threads.shutdown();
        }
    }
}
