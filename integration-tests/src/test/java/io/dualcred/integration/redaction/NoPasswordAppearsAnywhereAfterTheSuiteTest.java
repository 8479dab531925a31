package io.dualcred.integration.redaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure.Channel;
import io.dualcred.integration.support.Report;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Scenario 7, redaction, over the whole suite: every scenario uses sentinel passwords, and everything the library
 * showed while they ran (log lines at DEBUG, exceptions that reached callers, events, JMX attributes, status) was
 * scanned as it appeared. This class runs last ({@code junit-platform.properties} orders classes by
 * {@link Order}), so its verdict covers every scenario, including what was logged between classes; each scenario
 * class also checks its own share ({@link NoSecretLeaks}).
 */
@Order(Integer.MAX_VALUE)
class NoPasswordAppearsAnywhereAfterTheSuiteTest {

    /**
     * The scenario classes (package-private, so named here); when all of them ran, the scan must also have seen
     * every kind of text. Each name is loaded, so that a renamed class fails here instead of dropping the check.
     */
    private static final List<String> SCENARIOS = List.of(
            "io.dualcred.integration.soak.ConsecutiveRotationsSoakTest",
            "io.dualcred.integration.revocation.RevocationAfterTheSwitchTest",
            "io.dualcred.integration.window.PasswordChangedBeforeTheSourceKnowsTest",
            "io.dualcred.integration.faults.FaultsDuringARotationTest",
            "io.dualcred.integration.badinput.BothCredentialsWrongTest",
            "io.dualcred.integration.badinput.BlankOrMissingNextTest",
            "io.dualcred.integration.badinput.BrokenSecretVolumeTest",
            "io.dualcred.integration.badinput.MisbehavingSourceTest",
            "io.dualcred.integration.badinput.AwkwardCharactersTest",
            "io.dualcred.integration.manypools.ManyPoolsInOneJvmTest",
            "io.dualcred.integration.runbook.FleetVerifiedFromTheServerTest",
            "io.dualcred.integration.fleet.FleetSwitchWithoutALoginStormTest",
            "io.dualcred.integration.stores.RotationThroughTheStoreTest");

    @Test
    void noSentinelPasswordReachedALogLineAnExceptionAnEventAJmxAttributeOrAStatus() throws ClassNotFoundException {
        SuiteLogCapture.install();
        Exposure.jmx();
        List<String> scenarios = Exposure.scenarios();

        assertThat(Exposure.leaks()).as("texts containing a sentinel password").isEmpty();
        assertThat(Exposure.leakCount()).isZero();
        for (String scenario : SCENARIOS) {
            Class.forName(scenario);
        }
        if (scenarios.containsAll(SCENARIOS)) {
            // After the whole suite, the scan saw what it claims to have scanned: every channel, and the log lines
            // of the events that matter most (a switch, every credential rejected, a failing source).
            for (Channel channel : Channel.values()) {
                assertThat(Exposure.scanned(channel)).as("texts scanned on %s", channel).isPositive();
            }
            for (String mark : LogMarks.ALL) {
                assertThat(Exposure.logLinesWith(mark)).as("log lines with '%s'", mark).isPositive();
            }
            assertThat(Exposure.pgjdbcLogLines()).as("pgjdbc's own log lines, bridged from java.util.logging")
                    .isPositive();
        }
        Report.line("redaction: %d scenario classes; scanned %d log lines (%d of them pgjdbc's), %d exceptions, %d "
                        + "events, %d MBean snapshots, %d statuses, %d session names on the servers: %d sentinel "
                        + "passwords found", scenarios.size(),
                Exposure.scanned(Channel.LOG), Exposure.pgjdbcLogLines(), Exposure.scanned(Channel.EXCEPTION),
                Exposure.scanned(Channel.EVENT), Exposure.scanned(Channel.JMX), Exposure.scanned(Channel.STATUS),
                Exposure.scanned(Channel.SESSION_NAME), Exposure.leakCount());
    }
}
