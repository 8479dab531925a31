package io.dualcred.rotation.spi;

import java.time.Duration;
import java.util.Random;

/**
 * When the {@link ConnectionReplacer} may log the next replacement in, so that a fleet whose pools all switch in the
 * same second spreads its logins over the replacement window instead of sending them to the server together.
 *
 * <p>When a generation starts, the {@code n} connections older than it get one slot each in the window, of equal
 * length; the i-th replacement logs in at a random moment within the i-th slot. Every pool draws its own moments, so
 * the server sees about {@code connections in the fleet / window} logins per second, and the last replacement of
 * each pool logs in before the window ends. A replacement that failed, or more old connections than counted, waits
 * for nothing: the plan bounds when replacing ends, never delays it beyond the window. Used by the replacer's one
 * thread only.
 */
final class ReplacementPacing {

    private final long windowNanos;
    private final Random random;

    private long generation = -1;
    private long start;
    private int planned;
    private int loggedIn;
    private long due;

    ReplacementPacing(Duration window) {
        this(window, new Random());
    }

    ReplacementPacing(Duration window, Random random) {
        this.windowNanos = window.toNanos();
        this.random = random;
    }

    /**
     * @param current the generation in force
     * @param older how many connections are older than it now
     * @param now {@link System#nanoTime()}
     * @return how long to wait before logging the next replacement in; zero to go ahead
     */
    long untilNextLogin(long current, int older, long now) {
        if (windowNanos == 0) {
            return 0;
        }
        if (current != generation) {
            generation = current;
            start = now;
            planned = Math.max(older, 1);
            loggedIn = 0;
            due = moment(0);
        }
        return Math.max(0, due - now);
    }

    /** A replacement logged in: the next one waits for its own slot. */
    void replacementLoggedIn() {
        loggedIn++;
        due = loggedIn < planned ? moment(loggedIn) : start;
    }

    private long moment(int slot) {
        double slotLength = (double) windowNanos / planned;
        return start + (long) ((slot + random.nextDouble()) * slotLength);
    }
}
