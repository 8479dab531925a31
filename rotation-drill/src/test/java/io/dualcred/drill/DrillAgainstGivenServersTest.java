package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The staging path: {@code --postgres-url} and {@code --redis-url} pointing at servers the drill did not start (here
 * servers from the test-server module, reached only through the URLs, with their admin users), as an operator drills
 * a staging environment. The drill must use them, start nothing of its own, and leave no role or ACL user behind.
 */
class DrillAgainstGivenServersTest {

    @TempDir
    Path directory;

    @Test
    void drillsTheServersNamedByUrlAndCleansUpAfterItself() throws Exception {
        try (PostgresServer postgres = PostgresServer.startNew(); RedisServer redis = RedisServer.startNew()) {
            String postgresUrl = "postgresql://" + encode(postgres.superuser()) + ":"
                    + encode(postgres.superuserPassword()) + "@" + postgres.host() + ":" + postgres.port() + "/"
                    + postgres.database() + "?sslmode=disable";
            String redisUrl = "redis://" + encode(RedisServer.ADMIN_USER) + ":" + encode(redis.adminPassword()) + "@"
                    + redis.host() + ":" + redis.port();
            long rolesBefore = loginRoles(postgres);
            long usersBefore = aclUsers(redis);
            Path json = directory.resolve("drill.json");
            ByteArrayOutputStream console = new ByteArrayOutputStream();

            int status = DrillCommand.run(new PrintStream(console, true, StandardCharsets.UTF_8),
                    "--duration", "1s", "--store-delay", "1s", "--scenario", "runbook", "--postgres-url", postgresUrl, "--redis-url", redisUrl,
                    "--report", directory.resolve("drill.html").toString(), "--json", json.toString());

            String output = console.toString(StandardCharsets.UTF_8);
            System.out.println(output);
            // Whether dualcred won is DrillRunTest's question; this one is about reaching and cleaning the servers.
            assertThat(status).as(output).isIn(0, 1);
            assertThat(output).contains("postgres: ", "redis: ")
                    .contains("given server, " + postgres.host() + ":" + postgres.port(),
                            "given server, " + redis.host() + ":" + redis.port())
                    .doesNotContain("starting embedded", postgres.superuserPassword(), redis.adminPassword());
            JsonNode summary = new ObjectMapper().readTree(json.toFile());
            for (String backend : new String[] {"postgres", "redis"}) {
                JsonNode run = summary.get(backend);
                assertThat(run.at("/scenarios/runbook/dualcred/ops").asLong()).as(backend + " dualcred ops")
                        .isPositive();
                assertThat(run.at("/scenarios/runbook/fixed/errors").asLong()).as(backend + " fixed errors")
                        .isPositive();
            }
            // The drill created its users on these servers and must have dropped them again.
            assertThat(loginRoles(postgres)).as("login roles left on the server").isEqualTo(rolesBefore);
            assertThat(aclUsers(redis)).as("ACL users left on the server").isEqualTo(usersBefore);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static long loginRoles(PostgresServer server) {
        return ((Number) server.query("SELECT count(*) AS n FROM pg_roles WHERE rolcanlogin").get(0).get("n"))
                .longValue();
    }

    private static long aclUsers(RedisServer server) {
        return ((java.util.List<?>) server.execute("ACL", "USERS")).size();
    }
}
