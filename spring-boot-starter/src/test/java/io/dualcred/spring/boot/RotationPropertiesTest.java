package io.dualcred.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.rotation.RotationConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code dualcred.rotation.*} as Boot binds it, turned into the engine's configuration; bad values name the property. */
class RotationPropertiesTest {

    @Test
    void everyPropertyReachesTheEngineConfiguration() {
        RotationConfig config = bind(Map.of(
                "dualcred.rotation.backoff-initial", "200ms",
                "dualcred.rotation.backoff-multiplier", "3",
                "dualcred.rotation.backoff-max", "5s",
                "dualcred.rotation.login-retry-budget", "2s",
                "dualcred.rotation.refresh-interval", "45s",
                "dualcred.rotation.source-timeout", "1500ms",
                "dualcred.rotation.replacement-window", "0s",
                "dualcred.rotation.tag-sessions", "false")).toConfig();

        assertThat(config.backoff().apply(1)).isEqualTo(200);
        assertThat(config.backoff().apply(2)).isEqualTo(600);
        assertThat(config.backoff().apply(10)).isEqualTo(5_000);
        assertThat(config.loginRetryBudget()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.refreshInterval()).contains(Duration.ofSeconds(45));
        assertThat(config.sourceTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.replacementWindow()).isZero();
        assertThat(config.tagSessions()).isFalse();
    }

    @Test
    void unsetPropertiesKeepTheEngineDefaults() {
        RotationConfig config = bind(Map.of()).toConfig();
        RotationConfig defaults = RotationConfig.ofDefaults();

        for (int attempt = 1; attempt <= 8; attempt++) {
            assertThat(config.backoff().apply(attempt)).isEqualTo(defaults.backoff().apply(attempt));
        }
        assertThat(config.loginRetryBudget()).isEqualTo(defaults.loginRetryBudget());
        assertThat(config.refreshInterval()).isEqualTo(defaults.refreshInterval());
        assertThat(config.sourceTimeout()).isEqualTo(defaults.sourceTimeout());
        assertThat(config.replacementWindow()).isEqualTo(defaults.replacementWindow());
        assertThat(config.tagSessions()).isEqualTo(defaults.tagSessions());
    }

    @Test
    void aBackoffSetOnlyInPartIsRefusedNamingTheProperties() {
        DualcredProperties.Rotation partial = bind(Map.of("dualcred.rotation.backoff-max", "10s"));

        assertThatThrownBy(partial::toConfig).isInstanceOf(InvalidDualcredPropertyException.class)
                .hasMessageContaining("dualcred.rotation.backoff-initial")
                .hasMessageContaining("backoff-multiplier");
    }

    @Test
    void aValueTheEngineRefusesIsNamed() {
        DualcredProperties.Rotation tooLong = bind(Map.of("dualcred.rotation.replacement-window", "2h"));

        assertThatThrownBy(tooLong::toConfig).isInstanceOf(InvalidDualcredPropertyException.class)
                .hasMessageContaining("dualcred.rotation.replacement-window")
                .hasMessageContaining("between 0 and 1 hour");
    }

    private static DualcredProperties.Rotation bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("dualcred", DualcredProperties.class).getRotation();
    }
}
