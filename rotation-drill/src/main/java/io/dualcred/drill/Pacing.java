package io.dualcred.drill;

import java.util.function.BooleanSupplier;

/** Waiting is the drill's job: it paces the rotation steps and waits for the server and the pools to catch up. */
final class Pacing {

    private static final long POLL_MILLIS = 10;

    private Pacing() {
    }

    /** Sleeps until {@code deadlineNanos} (a {@link System#nanoTime()} value). */
    static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 100)));
        }
    }

    /**
     * Polls {@code condition} until it holds or {@code timeoutMillis} passed.
     *
     * @return whether it held
     */
    static boolean await(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }

    /** {@link #await} for callers that cannot be interrupted meaningfully; keeps the interrupt flag. */
    static boolean awaitQuietly(long timeoutMillis, BooleanSupplier condition) {
        try {
            return await(timeoutMillis, condition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
