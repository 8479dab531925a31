package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DrillCommandLineTest {

    @Test
    void helpListsEveryOptionOfTheIssue() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = DrillCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8), "--help");

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--scenario", "--store-delay", "--evict",
                "--duration", "--threads", "--pool-size", "--backend", "--topology", "--postgres-url", "--redis-url",
                "--report", "default: single",
                "--json", "default: both", "default: 2s", "default: 5s", "default: 16", "default: 8",
                "default: drill-report.html");
    }

    @Test
    void rejectsAnUnknownBackendAsAUsageError() {
        int status = DrillCommand.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                "--backend", "mysql");

        assertThat(status).isEqualTo(2);
    }

    @Test
    void rejectsARedisTopologyForPostgresAloneAndAnUnknownOne() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(DrillCommand.run(quiet, "--backend", "postgres", "--topology", "cluster")).isEqualTo(2);
        assertThat(DrillCommand.run(quiet, "--topology", "ring")).isEqualTo(2);
    }

    @Test
    void readsDurationsAsPeopleTypeThem() {
        assertThat(Durations.parse("20s")).isEqualTo(Duration.ofSeconds(20));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("7")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void rejectsAnUnknownScenarioAsAUsageError() {
        int status = DrillCommand.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                "--scenario", "storm");

        assertThat(status).isEqualTo(2);
    }

    @Test
    void keepsTheLoadAfterTheRevocationLongerThanACallersWait() {
        DrillSettings settings = new DrillSettings(Duration.ofSeconds(5), 16, 8, Duration.ofSeconds(5),
                Duration.ofSeconds(2), false, java.util.List.of(Scenario.RUNBOOK));

        assertThat(settings.warmup()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.after()).isEqualTo(Duration.ofSeconds(6));
    }
}
