package io.dualcred.integration.redaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a scenario class if any sentinel password reached a log line, an exception, an event, a JMX attribute or a
 * status while it ran, so that a leak is reported against the scenario that caused it. The suite-wide check in
 * {@link NoPasswordAppearsAnywhereAfterTheSuiteTest} repeats the verdict over everything, including what was logged
 * between classes.
 */
public final class NoSecretLeaks implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoSecretLeaks.class);
    private static final String LEAKS_BEFORE = "leaksBefore";

    @Override
    public void beforeAll(ExtensionContext context) {
        SuiteLogCapture.install();
        context.getStore(NAMESPACE).put(LEAKS_BEFORE, Exposure.leakCount());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        long before = context.getStore(NAMESPACE).get(LEAKS_BEFORE, Long.class);
        Exposure.scenarioRan(context.getRequiredTestClass().getName());
        List<Exposure.Leak> leaks = Exposure.leaks();
        assertThat(Exposure.leakCount() - before)
                .as("texts containing a sentinel password while %s ran; the first leaks of the suite: %s",
                        context.getRequiredTestClass().getSimpleName(), leaks)
                .isZero();
    }
}
