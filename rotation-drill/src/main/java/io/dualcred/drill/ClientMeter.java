package io.dualcred.drill;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the load threads of one client record: the latency of every operation (failed ones too, since a caller waits
 * for those as well), how many succeeded and failed, and the kinds of failure. Recording is wait-free; the
 * {@link Timeline} collects intervals from another thread.
 */
final class ClientMeter {

    /**
     * Ends the kind of a pool timeout met while the pool held all its connections and had lent every one: the
     * caller waited because the machine was slow to give one back, not because the pool lacked connections. Every
     * contender meets these equally on a loaded machine, the identical {@code fixed} pools included.
     */
    static final String BUSY_POOL = "busy pool";

    private static final Pattern HIKARI_POOL_STATE = Pattern.compile(
            "request timed out after \\d+ms \\(total=(\\d+), active=(\\d+), idle=(\\d+)");

    private final String label;
    private final int poolSize;
    private final Recorder latencyMicros = new Recorder(3);
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private Histogram recycled;

    /** One kind of failure: how often, and the first message seen (server messages never carry passwords). */
    static final class Failure {
        private final LongAdder count = new LongAdder();
        private final String example;

        Failure(String example) {
            this.example = example;
        }

        long count() {
            return count.sum();
        }

        String example() {
            return example;
        }
    }

    /**
     * @param label the client's name
     * @param poolSize the most connections its pool holds, to tell a busy pool from one that lacks connections
     */
    ClientMeter(String label, int poolSize) {
        this.label = label;
        this.poolSize = poolSize;
    }

    String label() {
        return label;
    }

    void succeeded(long nanos) {
        latencyMicros.recordValue(toMicros(nanos));
        succeeded.increment();
    }

    void failed(long nanos, Throwable failure) {
        latencyMicros.recordValue(toMicros(nanos));
        failed.increment();
        failures.computeIfAbsent(kind(failure, poolSize), kind -> new Failure(firstLine(failure))).count.increment();
    }

    long succeeded() {
        return succeeded.sum();
    }

    long failed() {
        return failed.sum();
    }

    /** @return failure kinds by name, sorted */
    Map<String, Failure> failures() {
        return new TreeMap<>(failures);
    }

    /** @return the latencies recorded since the previous call; only the timeline's thread calls this */
    Histogram takeInterval() {
        Histogram interval = latencyMicros.getIntervalHistogram(recycled);
        recycled = null;
        return interval;
    }

    /** Gives a histogram back for reuse once its values were copied elsewhere. */
    void recycle(Histogram histogram) {
        recycled = histogram;
    }

    /**
     * A short, stable name for a failure: the exception type and the SQLState or the Redis error word, e.g.
     * {@code SQLTransientConnectionException 08003 / 28P01} or {@code JedisAccessControlException WRONGPASS}; or the
     * type and {@value #BUSY_POOL} for a HikariCP timeout met while every one of the pool's {@code poolSize}
     * connections existed and was lent, with no failed login behind it.
     */
    static String kind(Throwable failure, int poolSize) {
        StringBuilder kind = new StringBuilder(failure.getClass().getSimpleName());
        if (busyPool(failure, poolSize)) {
            return kind.append(' ').append(BUSY_POOL).toString();
        }
        String states = sqlStates(failure);
        if (!states.isEmpty()) {
            kind.append(' ').append(states);
        } else {
            String word = redisErrorWord(failure);
            if (word != null) {
                kind.append(' ').append(word);
            }
        }
        return kind.toString();
    }

    /** @return whether a failure's kind says the pool was busy, not short of connections */
    static boolean isBusyPool(String kind) {
        return kind.endsWith(" " + BUSY_POOL);
    }

    private static boolean busyPool(Throwable failure, int poolSize) {
        if (!(failure instanceof SQLTransientConnectionException) || failure.getCause() != null
                || failure.getMessage() == null) {
            return false;
        }
        Matcher state = HIKARI_POOL_STATE.matcher(failure.getMessage());
        return state.find() && Integer.parseInt(state.group(1)) == poolSize
                && Integer.parseInt(state.group(2)) == poolSize && Integer.parseInt(state.group(3)) == 0;
    }

    private static String sqlStates(Throwable failure) {
        StringBuilder states = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                String state = ((SQLException) t).getSQLState();
                if (states.indexOf(state) < 0) {
                    states.append(states.length() == 0 ? "" : " / ").append(state);
                }
            }
        }
        return states.toString();
    }

    private static String redisErrorWord(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            String first = message.trim().split("\\s+", 2)[0];
            if (first.length() > 2 && first.equals(first.toUpperCase(Locale.ROOT)) && first.chars().allMatch(
                    c -> Character.isLetter(c) || c == '_')) {
                return first;
            }
        }
        return null;
    }

    private static String firstLine(Throwable failure) {
        Throwable root = failure;
        String message = String.valueOf(failure.getMessage());
        if (failure.getCause() != null && failure.getCause().getMessage() != null
                && !message.contains(failure.getCause().getMessage())) {
            root = failure.getCause();
            message = message + " <- " + root.getMessage();
        }
        String line = message.lines().findFirst().orElse("");
        return line.length() > 240 ? line.substring(0, 240) + "..." : line;
    }

    private static long toMicros(long nanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
    }
}
