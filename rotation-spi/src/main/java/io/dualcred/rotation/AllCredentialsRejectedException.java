package io.dualcred.rotation;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The server rejected every credential the source offers. The message names the pool and the slots and usernames
 * tried, never a password.
 *
 * <p>After this exception the engine backs off: until {@link #retryAfter()} has passed, further logins fail fast with
 * a new instance of this exception without contacting the server. The next login after that re-reads the source and
 * tries again, so a fixed secret is picked up without a restart.
 */
public class AllCredentialsRejectedException extends RuntimeException {

    private final String poolName;
    private final List<Attempt> attempts;
    private final Duration retryAfter;

    /**
     * @param poolName the pool whose logins were rejected
     * @param attempts the credentials tried, in order
     * @param retryAfter how long logins fail fast before the next real attempt
     * @param cause the last rejection reported by the driver
     */
    public AllCredentialsRejectedException(String poolName, List<Attempt> attempts, Duration retryAfter,
                                           Throwable cause) {
        super(message(poolName, attempts, retryAfter), cause);
        this.poolName = poolName;
        this.attempts = List.copyOf(attempts);
        this.retryAfter = retryAfter;
    }

    /** @return the pool whose logins were rejected */
    public String poolName() {
        return poolName;
    }

    /** @return the credentials tried, by slot and username */
    public List<Attempt> attempts() {
        return attempts;
    }

    /** @return how long logins fail fast, counted from when this exception was raised */
    public Duration retryAfter() {
        return retryAfter;
    }

    private static String message(String poolName, List<Attempt> attempts, Duration retryAfter) {
        String tried = attempts.isEmpty()
                ? "no credential could be tried"
                : attempts.stream().map(Attempt::toString).collect(Collectors.joining(", "));
        return poolName + " - the server rejected every credential (" + tried + "); logins fail fast for "
                + retryAfter.toMillis() + " ms, then the source is re-read and tried again";
    }

    /**
     * One rejected login.
     *
     * @param slot the slot of the credential
     * @param username its username
     */
    public record Attempt(Slot slot, String username) {

        /** @return e.g. {@code CURRENT app} */
        @Override
        public String toString() {
            return slot + " " + username;
        }
    }
}
