package io.dualcred.rotation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The server rejected every credential the source offers. The message names the pool and the slots and usernames
 * tried and quotes the server's last reply, never a password; the cause is that reply as the driver reported it.
 *
 * <p>After this exception the engine backs off: until {@link #retryAfter()} has passed, further logins fail fast with
 * a new instance of this exception without contacting the server. The next login after that re-reads the source and
 * tries again, so a fixed secret is picked up without a restart.
 */
public class AllCredentialsRejectedException extends RuntimeException {

    private final String poolName;
    private final List<Attempt> attempts;
    private final String serverReply;
    private final Duration retryAfter;

    /**
     * @param poolName the pool whose logins were rejected
     * @param attempts the credentials tried, in order
     * @param retryAfter how long logins fail fast before the next real attempt
     * @param cause the last rejection reported by the driver
     */
    public AllCredentialsRejectedException(String poolName, List<Attempt> attempts, Duration retryAfter,
                                           Throwable cause) {
        this(poolName, attempts, null, retryAfter, cause);
    }

    /**
     * @param poolName the pool whose logins were rejected
     * @param attempts the credentials tried, in order
     * @param serverReply the server's own words for the last rejection, without secrets (see
     *     {@link io.dualcred.rotation.spi.AuthFailureClassifier#reply(Throwable)}), or {@code null}
     * @param retryAfter how long logins fail fast before the next real attempt
     * @param cause the last rejection reported by the driver
     */
    public AllCredentialsRejectedException(String poolName, List<Attempt> attempts, String serverReply,
                                           Duration retryAfter, Throwable cause) {
        super(message(poolName, attempts, serverReply, retryAfter), cause);
        this.poolName = poolName;
        this.attempts = List.copyOf(attempts);
        this.serverReply = serverReply;
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

    /** @return the server's own words for the last rejection, e.g. {@code FATAL: password authentication failed...} */
    public Optional<String> serverReply() {
        return Optional.ofNullable(serverReply);
    }

    /** @return how long logins fail fast, counted from when this exception was raised */
    public Duration retryAfter() {
        return retryAfter;
    }

    private static String message(String poolName, List<Attempt> attempts, String serverReply,
                                  Duration retryAfter) {
        String tried = attempts.isEmpty()
                ? "no credential could be tried"
                : attempts.stream().map(Attempt::toString).collect(Collectors.joining(", "));
        String reply = serverReply == null ? "" : "; the server's last reply: " + serverReply;
        return poolName + " - the server rejected every credential (" + tried + ")" + reply + "; for the next "
                + retryAfter.toMillis() + " ms the pool's logins fail fast without reaching the server, unless the "
                + "credential source changes first";
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
