package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class VerdictTest {

    @Test
    void dualcredWinsWhenItFailsNothingAndHasNoMoreRejectedLoginsThanAnyone() {
        List<Results.ContenderRun> runs = List.of(run(Contender.FIXED, 40, 8), run(Contender.WATCHER, 0, 1),
                run(Contender.DUALCRED, 0, 1));

        assertThat(Verdict.problems(Scenario.GAP, runs)).isEmpty();
    }

    @Test
    void namesTheContenderThatHadFewerRejectedLogins() {
        List<Results.ContenderRun> runs = List.of(run(Contender.FIXED, 40, 8), run(Contender.WATCHER, 0, 0),
                run(Contender.DUALCRED, 0, 1));

        assertThat(Verdict.problems(Scenario.RUNBOOK, runs))
                .containsExactly("runbook: dualcred was beaten by watcher on rejected logins (1 against 0)");
    }

    @Test
    void failsWhenDualcredFailsAnOperationEvenIfEveryoneFailedMore() {
        List<Results.ContenderRun> runs = List.of(run(Contender.FIXED, 40, 8), run(Contender.PROVIDER, 9, 3),
                run(Contender.DUALCRED_POOL, 2, 1));

        assertThat(Verdict.problems(Scenario.GAP, runs)).containsExactly("gap: dualcred-pool failed 2 operations");
    }

    @Test
    void countsNoContendersTimeoutsOnABusyPoolButEveryOtherFailure() {
        List<Results.ContenderRun> runs = List.of(
                run(Contender.FIXED, 2, 0, new Results.FailureKind("SQLTransientConnectionException busy pool", 2, "")),
                run(Contender.DUALCRED, 3, 0,
                        new Results.FailureKind("SQLTransientConnectionException busy pool", 2, ""),
                        new Results.FailureKind("SQLTransientConnectionException 28P01", 1, "")));

        assertThat(runs.get(0).rotationFailed()).isZero();
        assertThat(Verdict.problems(Scenario.GAP, runs)).containsExactly("gap: dualcred failed 1 operations",
                "gap: dualcred was beaten by fixed on failed operations (1 against 0)");
    }

    @Test
    void doesNotCompareRejectedLoginsTheServerCouldNotCount() {
        List<Results.ContenderRun> runs = List.of(
                new Results.ContenderRun(Contender.WATCHER, "", "u", Map.of(), stats(0), List.of(), List.of(),
                        OptionalLong.empty(), OptionalDouble.empty(), 1, 1, OptionalInt.empty(), Map.of(),
                        Optional.empty()),
                run(Contender.DUALCRED, 0, 1));

        assertThat(Verdict.problems(Scenario.GAP, runs)).isEmpty();
    }

    private static Results.ContenderRun run(Contender contender, long failed, long rejected,
                                            Results.FailureKind... failures) {
        return new Results.ContenderRun(contender, contender.label(), "user_" + contender.label(), Map.of(),
                stats(failed), List.of(), List.of(failures), OptionalLong.of(rejected), OptionalDouble.empty(), 1, 1,
                OptionalInt.empty(), Map.of(), Optional.empty());
    }

    private static WindowStats stats(long failed) {
        return WindowStats.of(1_000, failed, 10, new Histogram(3));
    }
}
