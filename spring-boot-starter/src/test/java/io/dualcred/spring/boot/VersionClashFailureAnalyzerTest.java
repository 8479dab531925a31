package io.dualcred.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

class VersionClashFailureAnalyzerTest {

    private final VersionClashFailureAnalyzer analyzer = new VersionClashFailureAnalyzer();

    @Test
    void aMissingHikariMethodMetByDualcredNamesTheVersionsAndTheRange() {
        NoSuchMethodError clash = new NoSuchMethodError(
                "'java.lang.String com.zaxxer.hikari.HikariConfig.getSomethingNewer()'");
        clash.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("io.dualcred.postgres.DualCredentialDataSource$Builder", "build", null, 1)});

        FailureAnalysis analysis = analyzer.analyze(new IllegalStateException("Factory method failed", clash));

        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription())
                .contains("HikariConfig.getSomethingNewer")
                .contains("The class path has HikariCP " + VersionClashFailureAnalyzer.version("com.zaxxer",
                        "HikariCP"))
                .contains(VersionClashFailureAnalyzer.SUPPORTED);
        assertThat(analysis.getAction()).contains("hikaricp.version");
    }

    @Test
    void linkageErrorsOutsideDualcredAreLeftToOthers() {
        NoSuchMethodError elsewhere = new NoSuchMethodError("'void com.zaxxer.hikari.HikariConfig.other()'");
        elsewhere.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("com.example.Config", "dataSource", null, 1)});

        assertThat(analyzer.analyze(elsewhere)).isNull();
    }
}
