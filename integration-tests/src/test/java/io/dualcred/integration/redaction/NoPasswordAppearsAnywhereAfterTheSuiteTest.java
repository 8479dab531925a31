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

    @Test
    void noSentinelPasswordReachedALogLineAnExceptionAnEventAJmxAttributeOrAStatus() {
        SuiteLogCapture.install();
        Exposure.jmx();
        List<String> scenarios = Exposure.scenarios();

        assertThat(Exposure.leaks()).as("texts containing a sentinel password").isEmpty();
        assertThat(Exposure.leakCount()).isZero();
        if (!scenarios.isEmpty()) {
            // The scan saw what it claims to have scanned: every channel, and the log lines of the events that
            // matter most (a switch, every credential rejected, a failing source), which the scenarios cause.
            for (Channel channel : Channel.values()) {
                assertThat(Exposure.scanned(channel)).as("texts scanned on %s after %s", channel, scenarios)
                        .isPositive();
            }
            if (scenarios.size() > 1) {
                for (String mark : LogMarks.ALL) {
                    assertThat(Exposure.logLinesWith(mark)).as("log lines with '%s'", mark).isPositive();
                }
            }
        }
        Report.line("redaction: %d scenario classes; scanned %d log lines, %d exceptions, %d events, %d MBean "
                        + "snapshots, %d statuses: %d sentinel passwords found", scenarios.size(),
                Exposure.scanned(Channel.LOG), Exposure.scanned(Channel.EXCEPTION), Exposure.scanned(Channel.EVENT),
                Exposure.scanned(Channel.JMX), Exposure.scanned(Channel.STATUS), Exposure.leakCount());
    }
}
