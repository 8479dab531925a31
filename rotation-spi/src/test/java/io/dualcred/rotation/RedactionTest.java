package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dualcred.rotation.EngineFixtures.FakeClock;
import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.MutableSource;
import io.dualcred.rotation.EngineFixtures.RecordingListener;
import io.dualcred.rotation.spi.RotationEngine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Drives the engine through every path with sentinel passwords and scans everything it produced: log lines at every
 * level, exception messages and stack traces, events, status, JMX attributes and toString() of the value types.
 */
class RedactionTest {

    static final String CURRENT_SECRET = "S3ntinel-current-Pw";
    static final String NEXT_SECRET = "S3ntinel-next-Pw";
    static final String OTHER_SECRET = "S3ntinel-other-Pw";

    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final Logger engineLogger = (Logger) LoggerFactory.getLogger("io.dualcred");
    Level previousLevel;

    @BeforeEach
    void captureLogs() {
        previousLevel = engineLogger.getLevel();
        engineLogger.setLevel(Level.TRACE);
        logs.start();
        engineLogger.addAppender(logs);
    }

    @AfterEach
    void restoreLogs() {
        engineLogger.detachAppender(logs);
        engineLogger.setLevel(previousLevel);
    }

    @Test
    void noPasswordAppearsInAnythingTheEngineEmits() throws Exception {
        Credential current = Credential.of("app", CURRENT_SECRET);
        Credential next = Credential.of("app_blue", NEXT_SECRET);
        Credential other = Credential.of("app_green", OTHER_SECRET);
        FakeClock clock = new FakeClock();
        FakeServer server = new FakeServer().accept(next);
        MutableSource source = new MutableSource(CredentialSet.of(current, next));
        RecordingListener listener = new RecordingListener();
        List<Object> emitted = new ArrayList<>();
        RotationEngine engine = RotationEngine.builder("redaction-pool").source(source)
                .classifier(EngineFixtures.CLASSIFIER).evictor(generation -> { })
                .config(RotationConfig.custom().clock(clock).listener(listener)
                        .loginRetryBudget(Duration.ofSeconds(2)).eventExecutor(Runnable::run)
                .sleeper(clock::advance).build())
                .start();
        ObjectName mbean = engine.registerMBean();
        try {
            emitted.add(engine.openWithFallback(server::open));                  // CURRENT rejected, switch to NEXT
            source.set(CredentialSet.of(next));
            emitted.add(engine.refresh());                                       // promotion
            source.set(CredentialSet.of(next, other));
            engine.refresh();                                                    // a new NEXT
            source.failWith(new CredentialSourceException("mutable: PASSWORD_NEXT is blank"));
            engine.refresh();                                                    // source failure
            source.failWith(null);
            engine.evictConnections();                                           // eviction
            server.revoke("app_blue");
            emitted.add(catchThrowable(() -> engine.openWithFallback(server::open)));   // all rejected, budget
            emitted.add(catchThrowable(() -> engine.openWithFallback(server::open)));   // fail fast
            server.accept(other);
            clock.advance(Duration.ofMinutes(1));
            emitted.add(engine.openWithFallback(server::open));                  // recovery on the new NEXT
            emitted.add(engine.status());
            emitted.add(engine);                                                 // toString(): handed out by pools
            emitted.addAll(readAttributes(mbean));
        } finally {
            engine.close();
        }
        emitted.addAll(listener.events());
        emitted.add(current);
        emitted.add(CredentialSet.of(current, next));
        emitted.add(source.description());

        String everything = render(emitted) + "\n" + renderLogs();

        assertThat(everything).contains("switched credentials", "promoted", "rejected every credential",
                "PASSWORD_NEXT is blank", "CredentialSwitched", "activeUsername=app_green", "app_blue");
        assertThat(listener.counts()).hasSizeGreaterThanOrEqualTo(7);
        assertThat(everything).doesNotContain(CURRENT_SECRET, NEXT_SECRET, OTHER_SECRET);
    }

    private static List<Object> readAttributes(ObjectName name) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<Object> values = new ArrayList<>();
        for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
            values.add(attribute.getName() + "=" + server.getAttribute(name, attribute.getName()));
        }
        assertThat(values).hasSizeGreaterThan(10);
        return values;
    }

    private static String render(List<Object> objects) {
        StringBuilder text = new StringBuilder();
        for (Object object : objects) {
            if (object instanceof Throwable throwable) {
                StringWriter trace = new StringWriter();
                throwable.printStackTrace(new PrintWriter(trace));
                text.append(trace);
            } else {
                text.append(object).append('\n');
            }
        }
        return text.toString();
    }

    private String renderLogs() {
        StringBuilder text = new StringBuilder();
        for (ILoggingEvent event : logs.list) {
            text.append(event.getFormattedMessage()).append('\n');
            if (event.getThrowableProxy() != null) {
                text.append(event.getThrowableProxy().getMessage()).append('\n');
            }
        }
        return text.toString();
    }
}
