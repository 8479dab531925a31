package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short drill CI runs: both backends, embedded servers, three seconds of load each, through the same entry point
 * as {@code ./drill}.
 */
class DrillRunTest {

    @TempDir
    Path directory;

    @Test
    void dualcredPoolsFailNothingWhileThePlainPoolsFailAfterTheRevocation() throws Exception {
        Path report = directory.resolve("drill-report.html");
        Path json = directory.resolve("drill-report.json");
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        int status = DrillCommand.run(new PrintStream(console, true, StandardCharsets.UTF_8),
                "--duration", "3s", "--backend", "both", "--report", report.toString(), "--json", json.toString());

        String output = console.toString(StandardCharsets.UTF_8);
        System.out.println(output);
        assertThat(status).as(output).isZero();
        assertThat(output).contains("postgres: PASS", "redis: PASS", "ok ops/s", "switch after change");

        JsonNode summary = new ObjectMapper().readTree(json.toFile());
        assertThat(summary.get("passed").asBoolean()).isTrue();
        for (String backend : new String[] {"postgres", "redis"}) {
            JsonNode run = summary.get(backend);
            assertThat(run.at("/dualcred/ops").asLong()).as(backend + " dualcred ops").isPositive();
            assertThat(run.at("/dualcred/errors").asLong()).as(backend + " dualcred errors").isZero();
            assertThat(run.at("/dualcred/switches").asLong()).as(backend + " switches").isEqualTo(1);
            assertThat(run.at("/dualcred/promotions").asLong()).as(backend + " promotions").isEqualTo(1);
            assertThat(run.at("/dualcred/switch_after_change_ms/0").isNumber()).as(backend + " switch time").isTrue();
            // start, stage, switch, promote: never one per thread
            assertThat(run.at("/dualcred/source_loads").asLong()).as(backend + " source loads").isBetween(3L, 5L);
            assertThat(run.at("/dualcred/rejected_logins").asLong()).as(backend + " dualcred rejected logins")
                    .isBetween(1L, 8L);
            assertThat(run.at("/dualcred/p99_ms").isNumber()).isTrue();
            assertThat(run.at("/plain/ops").asLong()).as(backend + " plain ops").isPositive();
            assertThat(run.at("/plain/errors").asLong()).as(backend + " plain errors").isPositive();
            assertThat(run.at("/plain/rejected_logins").asLong()).as(backend + " plain rejected logins").isPositive();
            assertThat(run.get("throughput_ratio").asDouble()).as(backend + " ratio").isPositive();
            assertThat(run.get("steps")).hasSize(6);
        }

        // The drill's passwords are 32 characters from Secrets' alphabet; none may show anywhere.
        Pattern password = Pattern.compile("\\b[A-HJ-NP-Za-km-z2-9]{32}\\b");
        assertThat(password.matcher(output).find()).as("a password in the console output").isFalse();
        assertThat(password.matcher(Files.readString(json)).find()).as("a password in the JSON").isFalse();
        assertThat(password.matcher(Files.readString(report)).find()).as("a password in the report").isFalse();

        String html = Files.readString(report);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("<h2>PostgreSQL", "<h2>Redis", "<svg", "dualcred p99", "plain p99", "Rotation steps");
        // Self-contained: nothing to fetch (the SVG namespace is a name, not a request).
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", ""))
                .doesNotContain("http://", "https://", "<script", "<link");
    }
}
