package io.dualcred.redis.internal;

import io.dualcred.rotation.spi.AuthFailureClassifier;
import java.util.IdentityHashMap;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Tells a rejected Redis login from every other failure by the server's reply.
 *
 * <p>Jedis raises one exception class, {@code JedisAccessControlException}, for {@code WRONGPASS}, {@code NOAUTH} and
 * {@code NOPERM} alike, so the class says nothing: the first word of the reply does. Authentication failures are
 * {@code WRONGPASS} (Redis 6+: wrong password, unknown or disabled user), {@code NOAUTH} (no credentials sent where
 * the server requires them) and, from servers before 6.0, {@code ERR invalid password} and
 * {@code ERR invalid username-password pair}. {@code NOPERM}, connection failures, timeouts and every other reply
 * are not: they never make the engine try another credential.
 */
public final class RedisAuthFailureClassifier implements AuthFailureClassifier {

    /** The one instance; the classifier holds no state. */
    public static final RedisAuthFailureClassifier INSTANCE = new RedisAuthFailureClassifier();

    private RedisAuthFailureClassifier() {
    }

    @Override
    public boolean isAuthenticationFailure(Throwable failure) {
        String reply = serverReply(failure);
        return reply != null && isRejectedLogin(reply);
    }

    /** @return the reply's first word, e.g. {@code WRONGPASS}; never any argument the client sent */
    @Override
    public String code(Throwable failure) {
        String reply = serverReply(failure);
        if (reply == null) {
            return failure.getClass().getSimpleName();
        }
        int space = reply.indexOf(' ');
        return space < 0 ? reply : reply.substring(0, space);
    }

    /** @return the server's whole reply, e.g. {@code WRONGPASS invalid username-password pair or user is disabled.} */
    @Override
    public String reply(Throwable failure) {
        String reply = serverReply(failure);
        return reply == null ? code(failure) : reply;
    }

    static boolean isRejectedLogin(String reply) {
        return reply.startsWith("WRONGPASS")
                || reply.startsWith("NOAUTH")
                || reply.startsWith("ERR invalid password")
                || reply.startsWith("ERR invalid username-password pair");
    }

    /**
     * The error reply the server sent: the message of the first Jedis data exception in the cause chain. Connection
     * failures ({@code JedisConnectionException}) are not data exceptions, so they never count as a reply.
     */
    private static String serverReply(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof JedisDataException) {
                String message = t.getMessage();
                return message == null ? "" : message.strip();
            }
        }
        return null;
    }
}
