package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short drill CI runs: both backends, both scenarios, embedded servers, a second of steady load and a one-second
 * store delay each, through the same entry point as {@code ./drill}. It fails when a dualcred pool fails an
 * operation or another contender beats it.
 */
class DrillRunTest {

    @TempDir
    Path directory;

    @Test
    void dualcredFailsNothingAndNoAlternativeBeatsItInEitherOrderOfTheRotation() throws Exception {
        Path report = directory.resolve("drill-report.html");
        Path json = directory.resolve("drill-report.json");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<Path> secretDirectoriesBefore = secretDirectories();

        int status = DrillCommand.run(new PrintStream(console, true, StandardCharsets.UTF_8),
                "--duration", "1s", "--store-delay", "1s", "--report", report.toString(), "--json", json.toString());

        String output = console.toString(StandardCharsets.UTF_8);
        System.out.println(output);
        // The tables and the verdict first: a CI log keeps only the head of a long message.
        int tables = output.indexOf("\nPostgreSQL ");
        assertThat(status).as(tables < 0 ? output : output.substring(tables) + "\n--- the whole run ---\n" + output)
                .isZero();
        assertThat(output).contains("postgres: PASS", "redis: PASS", "PostgreSQL, runbook", "PostgreSQL, gap",
                "Redis, runbook", "Redis, gap", "noise: fixed-2 / fixed");

        JsonNode summary = new ObjectMapper().readTree(json.toFile());
        assertThat(summary.get("passed").asBoolean()).isTrue();
        for (String backend : new String[] {"postgres", "redis"}) {
            JsonNode run = summary.get(backend);
            // The first drill's keys stay.
            assertThat(run.at("/plain/ops").asLong()).as(backend + " plain ops").isPositive();
            assertThat(run.at("/dualcred/ops").asLong()).as(backend + " dualcred ops").isPositive();
            assertThat(run.get("throughput_ratio").asDouble()).as(backend + " ratio").isPositive();
            assertThat(run.get("noise").asDouble()).as(backend + " noise").isPositive();
            String[] dualcred = backend.equals("redis") ? new String[] {"dualcred", "dualcred-pool"}
                    : new String[] {"dualcred"};
            String[] alternatives = backend.equals("redis") ? new String[] {"fixed", "fixed-2", "provider"}
                    : new String[] {"fixed", "fixed-2", "provider", "watcher"};
            for (String scenario : new String[] {"runbook", "gap"}) {
                JsonNode contenders = run.at("/scenarios/" + scenario);
                for (String name : dualcred) {
                    JsonNode contender = contenders.get(name);
                    String cell = backend + " " + scenario + " " + name;
                    assertThat(contender.get("ops").asLong()).as(cell + " ops").isPositive();
                    // Timeouts on a busy pool are the machine's load (the verdict's rule); anything else fails it.
                    assertThat(contender.get("rotation_errors").asLong()).as(cell + " errors: "
                            + contender.get("errors_by_kind")).isZero();
                    // The engine's promise: at most one rejected login per pool per switch, none when the store leads.
                    assertThat(contender.get("rejected_logins").asLong()).as(cell + " rejected logins")
                            .isLessThanOrEqualTo(scenario.equals("gap") ? 1 : 0);
                    assertThat(contender.get("first_new_login_ms").isNumber()).as(cell + " first new login").isTrue();
                    assertThat(contender.get("throughput_ratio").asDouble()).as(cell + " ratio").isPositive();
                    assertThat(contender.has("dip")).as(cell + " dip").isTrue();
                    // The runbook's fleet check, from the server alone: nothing left on the old version when the
                    // operator revokes, and the tags told the same as backend_start / client ids every time.
                    assertThat(contender.get("old_tag").asText()).as(cell + " old tag").isEqualTo("[dualcred:v1]");
                    assertThat(contender.get("old_by_tag_at_verify").asInt()).as(cell + " old by tag").isZero();
                    assertThat(contender.get("new_by_tag_at_verify").asInt()).as(cell + " new by tag").isPositive();
                    assertThat(contender.get("old_sessions_at_revoke").asInt()).as(cell + " old at revoke").isZero();
                    assertThat(contender.get("fleet_checks").asInt()).as(cell + " fleet checks").isPositive();
                    assertThat(contender.get("fleet_checks_agreed").asBoolean()).as(cell + " tags agree with the "
                            + "server's count of sessions opened before the change").isTrue();
                }
                for (String name : alternatives) {
                    assertThat(contenders.at("/" + name + "/ops").asLong()).as(backend + " " + scenario + " " + name)
                            .isPositive();
                }
                assertThat(contenders.at("/steps").toString()).as(backend + " " + scenario + " steps")
                        .contains("the runbook's fleet check");
                // The revocation reached the fixed pools: otherwise the drill proved nothing.
                assertThat(contenders.at("/fixed/errors").asLong()).as(backend + " " + scenario + " fixed errors")
                        .isPositive();
                assertThat(contenders.at("/fixed/rejected_logins").asLong()).as(backend + " fixed rejected logins")
                        .isPositive();
                // runbook: stage, change, promote, verify, revoke; gap: the expiry too.
                assertThat(contenders.get("steps").size()).as(backend + " " + scenario + " steps")
                        .isEqualTo(scenario.equals("gap") ? 6 : 5);
            }
        }

        // The drill's passwords are 32 characters from Secrets' alphabet; none may show anywhere it writes, the
        // session tags it reports included.
        Pattern password = Pattern.compile("\\b[A-HJ-NP-Za-km-z2-9]{32}\\b");
        assertThat(password.matcher(output).find()).as("a password in the console output").isFalse();
        assertThat(password.matcher(Files.readString(json)).find()).as("a password in the JSON").isFalse();
        assertThat(password.matcher(Files.readString(report)).find()).as("a password in the report").isFalse();

        // The secret directories hold passwords: the drill must leave none behind.
        assertThat(secretDirectories()).as("secret directories left in java.io.tmpdir")
                .containsExactlyInAnyOrderElementsOf(secretDirectoriesBefore);

        String html = Files.readString(report);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("<h2>PostgreSQL", "<h2>Redis", "PostgreSQL, runbook", "PostgreSQL, gap", "Redis, runbook",
                        "Redis, gap", "watcher", "dualcred-pool", "fixed-2", "noise");
        assertThat(html.split("<svg", -1)).as("one chart per backend and scenario").hasSize(5);
        // Self-contained: nothing to fetch (the SVG namespace is a name, not a request).
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", ""))
                .doesNotContain("http://", "https://", "<script", "<link");
    }

    /**
     * Lists where {@code Files.createTempDirectory} puts the secret directories: the JDK reads
     * {@code java.io.tmpdir} once, possibly before surefire sets it, so the temporary directory's parent says where.
     */
    private List<Path> secretDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(directory.getParent())) {
            return entries.filter(entry -> entry.getFileName().toString().startsWith("dualcred-drill-")).toList();
        }
    }
}
