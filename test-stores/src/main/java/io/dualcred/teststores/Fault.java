package io.dualcred.teststores;

import java.time.Duration;

/**
 * A way a store's server misbehaves for one request: an error answer, a slow answer, or a connection closed with no
 * answer at all.
 *
 * @param status the HTTP status to answer, 0 for none
 * @param body the error body, in the store's own format
 * @param delay how long to hold the request before answering (or failing); released early by {@code heal()}
 * @param closesConnection whether to close the connection instead of answering
 */
public record Fault(int status, String body, Duration delay, boolean closesConnection) {

    /**
     * @param status e.g. 403, 404, 429, 503
     * @param body the body the store sends with it
     * @return the fault
     */
    public static Fault status(int status, String body) {
        return new Fault(status, body, Duration.ZERO, false);
    }

    /**
     * @param delay how long the answer is held
     * @return a slow but otherwise normal answer
     */
    public static Fault slow(Duration delay) {
        return new Fault(0, null, delay, false);
    }

    /** @return a connection closed without an answer */
    public static Fault connectionReset() {
        return new Fault(0, null, Duration.ZERO, true);
    }
}
