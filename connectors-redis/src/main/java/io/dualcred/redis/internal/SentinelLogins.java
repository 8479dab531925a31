package io.dualcred.redis.internal;

import io.dualcred.redis.RedisCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Logins to the Sentinels themselves, through the engine of the Sentinels' own credentials (their ACL user or
 * {@code requirepass}), or without credentials when the Sentinels need none. Sentinel connections are few and long
 * lived (one query at start-up, one subscription per Sentinel): nothing pools them, so a switch replaces nothing.
 */
public final class SentinelLogins {

    private final ClientSettings settings;
    private final RotationEngine engine;

    /**
     * @param masterSettings the settings of the data connections, whose timeouts and TLS the Sentinel connections
     *     share
     * @param engine the engine of the Sentinels' credentials, or {@code null} when they need none
     */
    public SentinelLogins(ClientSettings masterSettings, RotationEngine engine) {
        // Sentinels speak RESP2 with plain AUTH, in database 0, under no client name.
        this.settings = new ClientSettings(masterSettings.address(), masterSettings.connectionTimeoutMillis(),
                masterSettings.socketTimeoutMillis(), 0, 0, null, masterSettings.ssl(),
                masterSettings.sslSocketFactory(), masterSettings.sslParameters(), masterSettings.hostnameVerifier(),
                null);
        this.engine = engine;
    }


    /**
     * Credentials for the Sentinel connections Jedis opens itself with a fixed configuration (a legacy
     * {@code JedisSentinelPool}): each time they are asked for, one login through the engine to the first Sentinel
     * that answers finds the credential the Sentinels accept now.
     *
     * @param sentinels the Sentinels
     * @return the credentials supplier, or one of no credentials when the Sentinels need none
     */
    private Supplier<RedisCredentials> credentials(Set<HostAndPort> sentinels) {
        List<HostAndPort> nodes = List.copyOf(sentinels);
        if (engine == null) {
            return () -> null;
        }
        return () -> {
            JedisException last = null;
            for (HostAndPort node : nodes) {
                AtomicReference<Credential> accepted = new AtomicReference<>();
                try (Jedis probe = login(node, credential -> {
                    Jedis jedis = connect(node, credential);
                    accepted.set(credential);
                    return jedis;
                })) {
                    return RedisConnectionOpener.toJedis(accepted.get());
                } catch (RedisCredentialsRejectedException rejected) {
                    throw rejected;
                } catch (JedisException unreachable) {
                    last = unreachable;
                }
            }
            throw last;
        };
    }

    /**
     * The configuration for the Sentinel connections Jedis opens itself: without credentials when the Sentinels need
     * none, else asking for them at each connection ({@link #credentials}).
     *
     * @param sentinels the Sentinels
     * @return the configuration
     */
    public JedisClientConfig configFor(Set<HostAndPort> sentinels) {
        return engine == null ? settings.clientConfig(null) : settings.clientConfigAskingFor(credentials(sentinels));
    }

    /**
     * @param node a Sentinel
     * @return a connection to it, logged in
     * @throws RedisCredentialsRejectedException when it rejects every Sentinel credential, naming it
     */
    public Jedis open(HostAndPort node) {
        return engine == null ? connect(node, null) : login(node, credential -> connect(node, credential));
    }

    private Jedis connect(HostAndPort node, Credential credential) {
        return new Jedis(node, settings.clientConfig(credential == null ? null
                : RedisConnectionOpener.toJedis(credential)));
    }

    private Jedis login(HostAndPort node, ConnectionOpener<Jedis> opener) {
        Objects.requireNonNull(engine, "engine");
        try {
            return engine.openWithFallback(opener).connection();
        } catch (AllCredentialsRejectedException rejected) {
            throw new RedisCredentialsRejectedException(rejected, "Sentinel " + node);
        } catch (JedisException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JedisConnectionException("interrupted while logging in to Sentinel " + node, e);
        } catch (Exception e) {
            throw new JedisConnectionException("cannot log in to Sentinel " + node, e);
        }
    }
}
