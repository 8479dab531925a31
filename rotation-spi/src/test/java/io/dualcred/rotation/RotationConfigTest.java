package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RotationConfigTest {

    @Test
    void refusesACustomBackoffThatGivesZeroInALaterRound() {
        IntervalFunction zeroFromRoundThree = round -> round < 3 ? 1_000L : 0L;

        assertThatThrownBy(() -> RotationConfig.custom().backoff(zeroFromRoundThree))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoff")
                .hasMessageContaining("round 3")
                .hasMessageContaining("0 ms");
    }

    @Test
    void refusesACustomBackoffThatGivesANegativeInterval() {
        IntervalFunction negativeAtRoundTwenty = round -> round == 20 ? -5L : 2_000L;

        assertThatThrownBy(() -> RotationConfig.custom().backoff(negativeAtRoundTwenty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoff")
                .hasMessageContaining("round 20")
                .hasMessageContaining("-5 ms");
    }

    @Test
    void refusesACustomBackoffThatGivesNoInterval() {
        IntervalFunction none = round -> null;

        assertThatThrownBy(() -> RotationConfig.custom().backoff(none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoff")
                .hasMessageContaining("round 1");
    }

    @Test
    void refusesACustomBackoffThatThrows() {
        IllegalStateException failure = new IllegalStateException("no interval table for round 4");
        IntervalFunction throwing = round -> {
            if (round == 4) {
                throw failure;
            }
            return 1_000L;
        };

        assertThatThrownBy(() -> RotationConfig.custom().backoff(throwing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoff")
                .hasMessageContaining("round 4")
                .hasCause(failure);
    }

    @Test
    void aRefusedBackoffLeavesThePreviousOneInPlace() {
        RotationConfig.Builder builder = RotationConfig.custom().backoff(IntervalFunction.of(Duration.ofMillis(250)));

        assertThatThrownBy(() -> builder.backoff(round -> 0L)).isInstanceOf(IllegalArgumentException.class);

        assertThat(builder.build().backoff().apply(1)).isEqualTo(250L);
    }

    @Test
    void acceptsACustomBackoffOfAtLeastOneMillisecondInEveryRound() {
        IntervalFunction linear = round -> round * 1L;

        RotationConfig config = RotationConfig.custom().backoff(linear).build();

        assertThat(config.backoff().apply(1)).isEqualTo(1L);
        assertThat(config.backoff().apply(20)).isEqualTo(20L);
    }

    @Test
    void exponentialBackoffNamesAnInitialIntervalBelowOneMillisecond() {
        Duration halfAMillisecond = Duration.ofNanos(500_000);

        assertThatThrownBy(() -> RotationConfig.custom().backoff(halfAMillisecond, 2.0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoff initial interval")
                .hasMessageContaining("1 ms");
    }

    @Test
    void theDefaultsPassTheirOwnChecks() {
        RotationConfig copy = RotationConfig.from(RotationConfig.ofDefaults()).build();

        assertThat(copy.backoff().apply(1)).isEqualTo(1_000L);
        assertThat(copy.backoff().apply(20)).isEqualTo(30_000L);
    }

    @Test
    void pacesReplacementsOverFiveSecondsAndTagsSessionsByDefault() {
        RotationConfig defaults = RotationConfig.ofDefaults();

        assertThat(defaults.replacementWindow()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.tagSessions()).isTrue();
        RotationConfig changed = RotationConfig.custom().replacementWindow(Duration.ZERO).tagSessions(false).build();
        assertThat(RotationConfig.from(changed).build().replacementWindow()).isZero();
        assertThat(RotationConfig.from(changed).build().tagSessions()).isFalse();
    }

    @Test
    void refusesANegativeOrUnboundedReplacementWindowNamingIt() {
        assertThatThrownBy(() -> RotationConfig.custom().replacementWindow(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replacementWindow");
        assertThatThrownBy(() -> RotationConfig.custom().replacementWindow(Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replacementWindow");
    }
}
