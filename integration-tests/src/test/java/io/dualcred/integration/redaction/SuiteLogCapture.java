package io.dualcred.integration.redaction;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Installs, once per test JVM and before the first test class runs, an appender on the root logger that hands every
 * log event to {@link Exposure}. The library, HikariCP, Jedis, commons-pool and pgjdbc log at DEBUG for the whole
 * suite, so the scan sees the lines an operator who turned on debugging would see; the console keeps showing only
 * what {@code logback-test.xml} lets through, because its appenders get a filter that applies the configured levels.
 *
 * <p>pgjdbc logs through {@code java.util.logging}: its {@code org.postgresql} logger is set to {@code FINE} (what the
 * bridge maps to DEBUG: the driver's connection attempts and their failures) and routed into SLF4J, so the driver's
 * own lines are scanned too. {@code FINEST}, a trace of every protocol message, is left off: it would multiply the
 * log by the number of queries the suite runs, and it prints SQL text, so the test servers' own admin statements
 * ({@code CREATE ROLE ... PASSWORD '...'}) would show there. A one-off run at {@code FINEST} found only those: no
 * line from a pool's connections carried a password.
 *
 * <p>Registered in {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}.
 */
public final class SuiteLogCapture implements LauncherSessionListener {

    private static final List<String> CAPTURED_AT_DEBUG = List.of("io.dualcred", "com.zaxxer.hikari",
            "redis.clients.jedis", "org.apache.commons.pool2", "org.postgresql");
    /** Held strongly: {@code java.util.logging} keeps loggers only weakly, and would forget the level set here. */
    private static final java.util.logging.Logger PGJDBC = java.util.logging.Logger.getLogger("org.postgresql");
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        install();
    }

    /** Installs the capture if it is not installed yet; safe to call from anywhere, any number of times. */
    public static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

        Map<String, Level> configured = new LinkedHashMap<>();
        for (String name : CAPTURED_AT_DEBUG) {
            configured.put(name, context.getLogger(name).getEffectiveLevel());
        }
        List<Appender<ILoggingEvent>> existing = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            existing.add(it.next());
        }
        for (Appender<ILoggingEvent> appender : existing) {
            appender.addFilter(new ConfiguredLevels(configured));
        }

        ScanningAppender scanning = new ScanningAppender();
        scanning.setContext(context);
        scanning.setName("dualcred-redaction-scan");
        scanning.start();
        root.addAppender(scanning);
        for (String name : CAPTURED_AT_DEBUG) {
            context.getLogger(name).setLevel(Level.DEBUG);
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        PGJDBC.setLevel(java.util.logging.Level.FINE);
    }

    /** Hands each event, with its exception and causes, to {@link Exposure}. */
    private static final class ScanningAppender extends AppenderBase<ILoggingEvent> {

        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder text = new StringBuilder(event.getLoggerName()).append(' ')
                    .append(event.getThreadName()).append(' ').append(event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                text.append('\n').append(ThrowableProxyUtil.asString(thrown));
            }
            event.getMDCPropertyMap().forEach((key, value) -> text.append(' ').append(key).append('=').append(value));
            Exposure.log(event.getLoggerName(), text.toString());
        }
    }

    /** Lets through only what the level configured for the event's logger, before the capture, lets through. */
    private static final class ConfiguredLevels extends Filter<ILoggingEvent> {

        private final Map<String, Level> configured;

        ConfiguredLevels(Map<String, Level> configured) {
            this.configured = Map.copyOf(configured);
        }

        @Override
        public FilterReply decide(ILoggingEvent event) {
            Level threshold = null;
            int longest = -1;
            String logger = event.getLoggerName();
            for (Map.Entry<String, Level> entry : configured.entrySet()) {
                String name = entry.getKey();
                boolean matches = logger.equals(name) || logger.startsWith(name + ".");
                if (matches && name.length() > longest) {
                    longest = name.length();
                    threshold = entry.getValue();
                }
            }
            return threshold == null || event.getLevel().isGreaterOrEqual(threshold)
                    ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
    }
}
