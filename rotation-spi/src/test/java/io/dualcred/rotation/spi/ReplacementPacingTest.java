package io.dualcred.rotation.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplacementPacingTest {

    static final long SECOND = Duration.ofSeconds(1).toNanos();

    /** Follows the plan as the replacer does: wait until due, log in, repeat; answers each login's moment. */
    static List<Long> loginMoments(ReplacementPacing pacing, long generation, int older, long start) {
        List<Long> moments = new ArrayList<>();
        long now = start;
        for (int left = older; left > 0; left--) {
            now += pacing.untilNextLogin(generation, left, now);
            assertThat(pacing.untilNextLogin(generation, left, now)).isZero();
            moments.add(now);
            pacing.replacementLoggedIn();
        }
        return moments;
    }

    @Test
    void spreadsOneLoginIntoEachEqualSlotOfTheWindow() {
        ReplacementPacing pacing = new ReplacementPacing(Duration.ofSeconds(8), new Random(15));

        List<Long> moments = loginMoments(pacing, 2, 8, 100 * SECOND);

        for (int slot = 0; slot < 8; slot++) {
            assertThat(moments.get(slot) - 100 * SECOND).as("login %d", slot)
                    .isBetween(slot * SECOND, (slot + 1) * SECOND);
        }
    }

    @Test
    void poolsDrawTheirOwnMomentsSoAFleetDoesNotLogInTogether() {
        List<Long> first = loginMoments(new ReplacementPacing(Duration.ofSeconds(8), new Random(1)), 2, 4, 0);
        List<Long> second = loginMoments(new ReplacementPacing(Duration.ofSeconds(8), new Random(2)), 2, 4, 0);

        assertThat(first).doesNotContainAnyElementsOf(second);
    }

    @Test
    void neverWaitsPastTheWindowNorWithoutOne() {
        ReplacementPacing paced = new ReplacementPacing(Duration.ofSeconds(1), new Random(3));
        loginMoments(paced, 2, 3, 0);
        assertThat(paced.untilNextLogin(2, 5, SECOND)).as("more old connections than counted").isZero();

        ReplacementPacing unpaced = new ReplacementPacing(Duration.ZERO, new Random(4));
        assertThat(unpaced.untilNextLogin(2, 50, 0)).isZero();
    }

    @Test
    void aNewGenerationStartsANewPlanFromThatMoment() {
        ReplacementPacing pacing = new ReplacementPacing(Duration.ofSeconds(4), new Random(5));
        loginMoments(pacing, 2, 2, 0);

        long wait = pacing.untilNextLogin(3, 4, 10 * SECOND);

        assertThat(wait).isBetween(0L, SECOND);
    }
}
