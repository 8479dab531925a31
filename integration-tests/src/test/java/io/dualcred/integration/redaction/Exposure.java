package io.dualcred.integration.redaction;

import io.dualcred.integration.support.Sentinels;
import io.dualcred.rotation.RotationEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Everything the library shows to the outside during the suite, scanned for sentinel passwords as it is produced:
 * log lines (fed by {@link SuiteLogCapture}), exceptions that reached the scenarios, rotation events, JMX
 * attributes, status snapshots, and the session names the servers show (PostgreSQL {@code application_name}, Redis
 * client names), which carry dualcred's credential-version tags. Texts are scanned on arrival and forgotten, so a soak costs no memory; what is
 * kept is a count per channel and every leak found.
 */
public final class Exposure {

    /** Where a text came from. */
    public enum Channel { LOG, EXCEPTION, EVENT, JMX, STATUS, SESSION_NAME }

    /** One text that contained a sentinel. */
    public record Leak(Channel channel, String text) {
    }

    private static final List<String> JMX_DOMAINS = List.of("io.dualcred", "com.zaxxer.hikari",
            "org.apache.commons.pool2");
    private static final int KEPT_LEAKS = 50;

    private static final Map<Channel, LongAdder> SCANNED = new EnumMap<>(Channel.class);
    private static final Map<String, LongAdder> LOG_MARKS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final LongAdder DRIVER_LOG_LINES = new LongAdder();
    private static final ConcurrentLinkedQueue<Leak> LEAKS = new ConcurrentLinkedQueue<>();
    private static final LongAdder LEAK_COUNT = new LongAdder();
    private static final Set<String> SCENARIOS = Collections.synchronizedSet(new java.util.LinkedHashSet<>());

    static {
        for (Channel channel : Channel.values()) {
            SCANNED.put(channel, new LongAdder());
        }
    }

    private Exposure() {
    }

    /**
     * @param event a rotation event, as a listener receives it
     */
    public static void event(RotationEvent event) {
        scan(Channel.EVENT, event.toString());
    }

    /**
     * Scans an exception with its whole chain: causes, suppressed exceptions and SQL next-exceptions.
     *
     * @param failure what a scenario caught
     */
    public static void exception(Throwable failure) {
        scan(Channel.EXCEPTION, describe(failure));
    }

    /**
     * The cheap form of {@link #exception}, for the thousands of identical failures a load meets during an outage:
     * the messages of the chain, without stack traces.
     *
     * @param failure what a scenario caught
     */
    public static void exceptionMessages(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t : chain(failure)) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        scan(Channel.EXCEPTION, text.toString());
    }

    /**
     * @param status a status snapshot, a pool's {@code toString()}, or anything else the library hands out as text
     */
    public static void status(Object status) {
        scan(Channel.STATUS, String.valueOf(status));
    }

    /**
     * @param name a session's name as the server shows it to anyone who can list sessions, tag included
     */
    public static void sessionName(String name) {
        scan(Channel.SESSION_NAME, String.valueOf(name));
    }

    /**
     * Reads every readable attribute of every dualcred, HikariCP and commons-pool MBean registered now.
     *
     * @return how many dualcred rotation MBeans were read
     */
    public static int jmx() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        int rotationBeans = 0;
        try {
            for (String domain : JMX_DOMAINS) {
                for (ObjectName name : server.queryNames(new ObjectName(domain + ":*"), null)) {
                    if (name.getDomain().equals("io.dualcred")) {
                        rotationBeans++;
                    }
                    StringBuilder text = new StringBuilder(name.toString());
                    for (MBeanAttributeInfo attribute : attributes(server, name)) {
                        text.append('\n').append(attribute.getName()).append('=')
                                .append(value(server, name, attribute.getName()));
                    }
                    scan(Channel.JMX, text.toString());
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot read MBeans: " + e, e);
        }
        return rotationBeans;
    }

    /**
     * @param logger the name of the logger that wrote the line
     * @param text a log line with its exception, if any
     */
    static void log(String logger, String text) {
        scan(Channel.LOG, text);
        if (logger.startsWith(LogMarks.PGJDBC_LOGGERS)) {
            DRIVER_LOG_LINES.increment();
        }
        for (String mark : LogMarks.ALL) {
            if (text.contains(mark)) {
                LOG_MARKS.computeIfAbsent(mark, m -> new LongAdder()).increment();
            }
        }
    }

    /**
     * @param channel a channel
     * @return how many texts of that channel were scanned so far
     */
    public static long scanned(Channel channel) {
        return SCANNED.get(channel).sum();
    }

    /**
     * @param mark one of {@link LogMarks#ALL}
     * @return how many captured log lines contained it
     */
    public static long logLinesWith(String mark) {
        LongAdder count = LOG_MARKS.get(mark);
        return count == null ? 0 : count.sum();
    }

    /** @return how many captured log lines pgjdbc wrote (through {@code java.util.logging}) */
    public static long pgjdbcLogLines() {
        return DRIVER_LOG_LINES.sum();
    }

    /** @return how many leaks were found so far */
    public static long leakCount() {
        return LEAK_COUNT.sum();
    }

    /** @return the first leaks found (at most 50) */
    public static List<Leak> leaks() {
        return List.copyOf(LEAKS);
    }

    /** @param scenario a scenario class whose texts the suite-wide check relies on */
    static void scenarioRan(String scenario) {
        SCENARIOS.add(scenario);
    }

    /** @return the scenario classes that ran so far */
    public static List<String> scenarios() {
        synchronized (SCENARIOS) {
            return new ArrayList<>(SCENARIOS);
        }
    }

    private static void scan(Channel channel, String text) {
        SCANNED.get(channel).increment();
        if (text.contains(Sentinels.START) || text.contains(Sentinels.END)) {
            LEAK_COUNT.increment();
            if (LEAKS.size() < KEPT_LEAKS) {
                LEAKS.add(new Leak(channel, text));
            }
        }
    }

    private static MBeanAttributeInfo[] attributes(MBeanServer server, ObjectName name) throws JMException {
        try {
            return server.getMBeanInfo(name).getAttributes();
        } catch (javax.management.InstanceNotFoundException closedMeanwhile) {
            return new MBeanAttributeInfo[0];
        }
    }

    private static String value(MBeanServer server, ObjectName name, String attribute) {
        try {
            Object value = server.getAttribute(name, attribute);
            return value instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(value);
        } catch (JMException | RuntimeException e) {
            // An attribute that cannot be read shows its error, which is scanned like any value.
            return "unreadable: " + e;
        }
    }

    private static String describe(Throwable failure) {
        StringWriter text = new StringWriter();
        PrintWriter writer = new PrintWriter(text);
        for (Throwable t : chain(failure)) {
            t.printStackTrace(writer);
        }
        writer.flush();
        return text.toString();
    }

    /** The exception, its causes, suppressed and next exceptions, each once. */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> pending = new ArrayList<>(List.of(failure));
        List<Throwable> all = new ArrayList<>();
        while (!pending.isEmpty() && all.size() < 64) {
            Throwable t = pending.remove(0);
            if (t == null || !seen.add(t)) {
                continue;
            }
            all.add(t);
            pending.add(t.getCause());
            pending.addAll(Arrays.asList(t.getSuppressed()));
            if (t instanceof SQLException sql) {
                pending.add(sql.getNextException());
            }
        }
        return all;
    }
}
