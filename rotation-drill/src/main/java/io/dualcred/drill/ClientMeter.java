package io.dualcred.drill;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the load threads of one client record: the latency of every operation (failed ones too, since a caller waits
 * for those as well), how many succeeded and failed, and the kinds of failure. Recording is wait-free; the
 * {@link Timeline} collects intervals from another thread.
 */
final class ClientMeter {

    private final String label;
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

    ClientMeter(String label) {
        this.label = label;
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
        failures.computeIfAbsent(kind(failure), kind -> new Failure(firstLine(failure))).count.increment();
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
     * {@code SQLTransientConnectionException 08003 / 28P01} or {@code JedisAccessControlException WRONGPASS}.
     */
    static String kind(Throwable failure) {
        StringBuilder kind = new StringBuilder(failure.getClass().getSimpleName());
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
