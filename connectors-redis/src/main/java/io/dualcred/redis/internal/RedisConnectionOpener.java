package io.dualcred.redis.internal;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.SessionTag;
import java.util.Objects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultRedisCredentials;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisCredentials;

/**
 * Opens one Jedis {@link Connection} and logs in with a given credential: the only place the connector hands a
 * password to Jedis. Both flavours (RedisClient and JedisPool) use it through the rotation engine.
 *
 * <p>The username {@code default} is sent as "no user", so that Jedis authenticates with {@code HELLO <v> AUTH
 * default <password>} or, without {@code HELLO}, with the one-argument {@code AUTH <password>}: the form a
 * {@code requirepass}-only server expects, including servers before Redis 6. Any other username is sent as
 * {@code HELLO <v> AUTH <user> <password>} or {@code AUTH <user> <password>}.
 *
 * <p>With tagging on, the client name ({@code CLIENT SETNAME}, shown by {@code CLIENT LIST}) is the application's
 * own name followed by the credential's {@link SessionTag}, without a space (Redis refuses spaces in client names):
 * {@code orders-api[dualcred:v7]}, or the tag alone when the application set no name. {@code CLIENT SETINFO} would
 * not do: Redis before 7.2 does not know it.
 */
public final class RedisConnectionOpener implements ConnectionOpener<Connection> {

    /** The user Redis authenticates {@code requirepass} logins as. */
    public static final String DEFAULT_USER = "default";

    private final ClientSettings settings;
    private final JedisSocketFactory socketFactory;
    private final boolean tagSessions;

    /**
     * @param settings the client settings
     * @param socketFactory the socket factory shared by every connection
     * @param tagSessions whether the client name shows the version of the credential each connection logged in with
     */
    public RedisConnectionOpener(ClientSettings settings, JedisSocketFactory socketFactory, boolean tagSessions) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.socketFactory = Objects.requireNonNull(socketFactory, "socketFactory");
        this.tagSessions = tagSessions;
    }

    /**
     * Connects, authenticates, names the client and selects the database. On failure Jedis has closed the socket.
     */
    @Override
    public Connection open(Credential credential) {
        String name = tagSessions ? SessionTag.append(settings.clientName(), "", credential, Integer.MAX_VALUE)
                : settings.clientName();
        return new Connection(socketFactory, settings.clientConfig(toJedis(credential), name));
    }

    static RedisCredentials toJedis(Credential credential) {
        String user = DEFAULT_USER.equals(credential.username()) ? null : credential.username();
        return new DefaultRedisCredentials(user, credential.password());
    }
}
