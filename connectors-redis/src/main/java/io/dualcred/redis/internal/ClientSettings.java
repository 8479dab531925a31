package io.dualcred.redis.internal;

import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.RedisProtocol;

/**
 * The Jedis client settings of one dual-credential client or pool, without any credential: credentials are added
 * per login by {@link #clientConfig(RedisCredentials)}.
 *
 * @param address the server
 * @param connectionTimeoutMillis TCP connect timeout; 0 waits forever
 * @param socketTimeoutMillis read timeout for commands; 0 waits forever
 * @param blockingSocketTimeoutMillis read timeout for blocking commands; 0 waits forever
 * @param database the database selected on every new connection
 * @param clientName the {@code CLIENT SETNAME} of every connection, or {@code null}
 * @param ssl whether to connect with TLS
 * @param sslSocketFactory the TLS socket factory, or {@code null} for the JVM default
 * @param sslParameters TLS parameters, or {@code null}
 * @param hostnameVerifier the TLS host name check, or {@code null}
 * @param protocol the RESP version negotiated with {@code HELLO}, or {@code null} to skip {@code HELLO} and
 *     authenticate with {@code AUTH} alone (RESP2, for servers before Redis 6)
 */
public record ClientSettings(HostAndPort address, int connectionTimeoutMillis, int socketTimeoutMillis,
                             int blockingSocketTimeoutMillis, int database, String clientName, boolean ssl,
                             SSLSocketFactory sslSocketFactory, SSLParameters sslParameters,
                             HostnameVerifier hostnameVerifier, RedisProtocol protocol) {

    /**
     * @param address the server
     * @param connectionTimeoutMillis TCP connect timeout
     * @param socketTimeoutMillis read timeout
     * @param blockingSocketTimeoutMillis read timeout for blocking commands
     * @param database the database
     * @param clientName the client name, or {@code null}
     * @param ssl whether to use TLS
     * @param sslSocketFactory TLS socket factory, or {@code null}
     * @param sslParameters TLS parameters, or {@code null}
     * @param hostnameVerifier TLS host name check, or {@code null}
     * @param protocol the RESP version, or {@code null} for {@code AUTH} without {@code HELLO}
     */
    public ClientSettings {
        Objects.requireNonNull(address, "address");
    }

    /**
     * The Jedis configuration for one login. The protocol is always explicit (a RESP version, or no {@code HELLO}
     * at all), so Jedis never negotiates and never logs its auto-negotiation warning.
     *
     * @param credentials the credentials to log in with, or {@code null} for a configuration without any
     * @return the configuration
     */
    public JedisClientConfig clientConfig(RedisCredentials credentials) {
        return clientConfig(credentials, clientName);
    }

    /**
     * {@link #clientConfig(RedisCredentials)} with another {@code CLIENT SETNAME}.
     *
     * @param credentials the credentials to log in with, or {@code null} for a configuration without any
     * @param name the client name to set, or {@code null} for none
     * @return the configuration
     */
    public JedisClientConfig clientConfig(RedisCredentials credentials, String name) {
        DefaultJedisClientConfig.Builder config = withoutProtocol().clientName(name);
        if (protocol == null) {
            JedisFeatures.skipHello(config);
        } else {
            config.protocol(protocol);
        }
        if (credentials != null) {
            config.credentials(credentials);
        }
        return config.build();
    }

    /**
     * {@link #clientConfig(RedisCredentials)} with credentials asked for at every login, for the connections Jedis
     * opens on its own (a cluster's first slot discovery, a legacy pool's Sentinel connections).
     *
     * @param credentials supplies the credentials of each login
     * @return the configuration
     */
    public JedisClientConfig clientConfigAskingFor(Supplier<RedisCredentials> credentials) {
        DefaultJedisClientConfig.Builder config = withoutProtocol().clientName(clientName)
                .credentialsProvider(Objects.requireNonNull(credentials, "credentials"));
        if (protocol == null) {
            JedisFeatures.skipHello(config);
        } else {
            config.protocol(protocol);
        }
        return config.build();
    }

    /**
     * The configuration a {@code RedisClient} builds its commands from: no credentials, and always a RESP version
     * (RESP2 when logins skip {@code HELLO}), because a {@code RedisClient} without one opens a connection while
     * it is being built just to ask the server.
     *
     * @return the configuration
     */
    public JedisClientConfig commandConfig() {
        return withoutProtocol().protocol(protocol == null ? RedisProtocol.RESP2 : protocol).build();
    }

    private DefaultJedisClientConfig.Builder withoutProtocol() {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(connectionTimeoutMillis)
                .socketTimeoutMillis(socketTimeoutMillis)
                .blockingSocketTimeoutMillis(blockingSocketTimeoutMillis)
                .database(database)
                .clientName(clientName)
                .ssl(ssl)
                .sslSocketFactory(sslSocketFactory)
                .sslParameters(sslParameters)
                .hostnameVerifier(hostnameVerifier);
    }

    /**
     * @param node another server
     * @return these settings for that server
     */
    public ClientSettings withAddress(HostAndPort node) {
        return new ClientSettings(node, connectionTimeoutMillis, socketTimeoutMillis, blockingSocketTimeoutMillis,
                database, clientName, ssl, sslSocketFactory, sslParameters, hostnameVerifier, protocol);
    }

    /** @return a socket factory for these settings; it holds no credential */
    public JedisSocketFactory socketFactory() {
        return new DefaultJedisSocketFactory(address, clientConfig(null));
    }

    /** @return e.g. {@code RESP2}, or {@code AUTH without HELLO} */
    public String protocolDescription() {
        return protocol == null ? "AUTH without HELLO" : protocol.name();
    }
}
