package io.dualcred.redis;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import redis.clients.jedis.exceptions.JedisAccessControlException;

/**
 * Redis rejected every credential the source offers, so no new connection could be opened. Thrown by the
 * commands of a dual-credential {@code RedisClient} and by {@code JedisPool.getResource()} when they need a new
 * connection, as a {@link JedisAccessControlException} so that code written for plain Jedis recognises it.
 *
 * <p>The message names the pool and the slots and usernames tried and quotes the server's last reply, never a
 * password. The cause is that reply as Jedis reported it (for example a {@link JedisAccessControlException}
 * {@code WRONGPASS invalid username-password pair or user is disabled.}), for every caller: the one whose login met
 * it and those failed at once afterwards. Until {@link #retryAfter()} has passed, further attempts fail at once with
 * a new instance without contacting the server; after that the source is read again and its credentials are tried,
 * so a corrected secret is picked up without a restart.
 */
public class RedisCredentialsRejectedException extends JedisAccessControlException {

    private final transient AllCredentialsRejectedException rejection;
    private final String node;

    /**
     * @param rejection what the rotation engine reported; its cause, the server's reply, becomes this one's
     */
    public RedisCredentialsRejectedException(AllCredentialsRejectedException rejection) {
        this(rejection, null);
    }

    /**
     * For a client of several servers (Sentinel, Cluster): the message starts with the node whose logins were
     * rejected, e.g. {@code node 10.0.0.7:6379: ...}.
     *
     * @param rejection what the rotation engine reported; its cause, the server's reply, becomes this one's
     * @param node the node's {@code host:port}, or {@code null} for a client of one server
     */
    public RedisCredentialsRejectedException(AllCredentialsRejectedException rejection, String node) {
        super((node == null ? "" : "node " + node + ": ")
                + Objects.requireNonNull(rejection, "rejection").getMessage(), rejection.getCause());
        this.rejection = rejection;
        this.node = node;
    }

    /** @return the node ({@code host:port}) whose logins were rejected, for a client of several servers */
    public Optional<String> node() {
        return Optional.ofNullable(node);
    }

    /** @return the pool whose logins were rejected */
    public String poolName() {
        return rejection.poolName();
    }

    /** @return the credentials tried, by slot and username */
    public List<Attempt> attempts() {
        return rejection.attempts();
    }

    /** @return how long new connections fail at once, counted from when this exception was raised */
    public Duration retryAfter() {
        return rejection.retryAfter();
    }
}
