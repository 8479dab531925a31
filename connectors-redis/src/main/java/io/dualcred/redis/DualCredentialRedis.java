package io.dualcred.redis;

import io.dualcred.redis.internal.ClientSettings;
import io.dualcred.redis.internal.DualCredentialConnectionFactory;
import io.dualcred.redis.internal.DualCredentialJedisFactory;
import io.dualcred.redis.internal.JedisFeatures;
import io.dualcred.redis.internal.RedisAuthFailureClassifier;
import io.dualcred.redis.internal.RedisConnectionOpener;
import io.dualcred.redis.internal.RotatingConnectionProvider;
import io.dualcred.redis.internal.RotatingConnections;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.spi.ConnectionEvictor;
import io.dualcred.rotation.spi.RotationEngine;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * Builds Jedis clients and pools that survive Redis password rotation.
 *
 * <pre>{@code
 * DualCredentialRedisClient redis = DualCredentialRedis.builder()
 *         .hostAndPort("cache.internal", 6379)
 *         .credentialSource(CredentialSources.fromUri("env:REDIS"))
 *         .maxTotal(16)
 *         .buildClient();
 * RedisClient client = redis.client();          // or .buildPool() for a JedisPool
 * }</pre>
 *
 * <p>Every new connection logs in with the active credential from the source (CURRENT at start). When Redis
 * rejects it ({@code WRONGPASS}, {@code NOAUTH}, {@code ERR invalid password}), the shared rotation engine re-reads
 * the source, tries the other credential, switches to it if accepted, and the connections made before the switch
 * are replaced, make before break: each is retired only once its replacement has logged in, busy ones when
 * returned. Other failures ({@code NOPERM}, connection refused,
 * timeouts) change nothing and reach the caller as they would from plain Jedis.
 *
 * <p>A credential whose username is {@code default} logs in as Redis's default user, the one
 * {@code requirepass} sets the password of; any other username is an ACL user. See the module's README.
 */
public final class DualCredentialRedis {

    private static final Logger LOG = LoggerFactory.getLogger(DualCredentialRedis.class);
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private DualCredentialRedis() {
    }

    /** @return a builder with Jedis's defaults: localhost:6379, 2 s timeouts, database 0, RESP2, 8 connections */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Settings for a dual-credential {@link RedisClient} or {@link redis.clients.jedis.JedisPool}. Every method
     * checks its argument and names it when it is invalid; {@link #buildClient()} and {@link #buildPool()} check
     * the combination. A builder can build several clients; each gets its own connections and engine.
     */
    public static final class Builder {

        private HostAndPort address = new HostAndPort(Protocol.DEFAULT_HOST, Protocol.DEFAULT_PORT);
        private CredentialSource source;
        private RotationConfig rotation = RotationConfig.ofDefaults();
        private final List<RotationListener> listeners = new ArrayList<>();
        private String poolName;
        private boolean registerMBean;

        private int connectionTimeoutMillis = Protocol.DEFAULT_TIMEOUT;
        private int socketTimeoutMillis = Protocol.DEFAULT_TIMEOUT;
        private int blockingSocketTimeoutMillis;
        private int database = Protocol.DEFAULT_DATABASE;
        private String clientName;
        private boolean ssl;
        private SSLSocketFactory sslSocketFactory;
        private SSLParameters sslParameters;
        private HostnameVerifier hostnameVerifier;
        private RedisProtocol protocol = RedisProtocol.RESP2;
        private boolean helloHandshake = true;

        private GenericObjectPoolConfig<?> poolTemplate;
        private Integer maxTotal;
        private Integer maxIdle;
        private Integer minIdle;
        private Duration maxWait;

        private Builder() {
        }

        // ---- where and who ------------------------------------------------------------------------------------

        /**
         * @param host the server's host name or address
         * @param port its port
         * @return this builder
         */
        public Builder hostAndPort(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            this.address = new HostAndPort(host, port);
            return this;
        }

        /**
         * @param hostAndPort the server
         * @return this builder
         */
        public Builder hostAndPort(HostAndPort hostAndPort) {
            Objects.requireNonNull(hostAndPort, "hostAndPort");
            return hostAndPort(hostAndPort.getHost(), hostAndPort.getPort());
        }

        /**
         * Takes the host, port, TLS ({@code rediss://} turns it on), database ({@code /2}) and protocol
         * ({@code ?protocol=3}) from a URI such as {@code redis://cache.internal:6379/0}. A URI with user info
         * ({@code user:password@}) is refused: credentials come only from the
         * {@link #credentialSource credential source}.
         *
         * @param uri a {@code redis://} or {@code rediss://} URI
         * @return this builder
         * @throws IllegalArgumentException when the URI is malformed or carries user info (the message never
         *     repeats the URI, which may hold a password)
         */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri");
            try {
                return uri(new URI(uri));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("uri is malformed at index " + e.getIndex() + ": "
                        + e.getReason());
            }
        }

        /**
         * @param uri a {@code redis://} or {@code rediss://} URI; see {@link #uri(String)}
         * @return this builder
         */
        public Builder uri(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw new IllegalArgumentException("uri must use the redis or rediss scheme, was '" + scheme + "'");
            }
            if (uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("uri must not carry a user or password: credentials come from "
                        + "the credential source");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("uri must name a host");
            }
            hostAndPort(uri.getHost(), uri.getPort() < 0 ? Protocol.DEFAULT_PORT : uri.getPort());
            if (scheme.equals("rediss")) {
                ssl(true);
            }
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                database(parseNumber(path.substring(1), "uri database"));
            }
            String query = uri.getQuery();
            if (query != null) {
                for (String parameter : query.split("&")) {
                    int equals = parameter.indexOf('=');
                    String key = equals < 0 ? parameter : parameter.substring(0, equals);
                    if (key.equals("protocol")) {
                        String value = equals < 0 ? "" : parameter.substring(equals + 1);
                        protocol(switch (value) {
                            case "2" -> RedisProtocol.RESP2;
                            case "3" -> RedisProtocol.RESP3;
                            default -> throw new IllegalArgumentException("uri protocol must be 2 or 3, was '"
                                    + value + "'");
                        });
                    }
                }
            }
            return this;
        }

        /**
         * @param credentialSource where CURRENT and NEXT come from; required
         * @return this builder
         */
        public Builder credentialSource(CredentialSource credentialSource) {
            this.source = Objects.requireNonNull(credentialSource, "credentialSource");
            return this;
        }

        /**
         * @param rotationConfig backoff after every credential was rejected, login retry budget, refresh schedule
         *     and listeners; defaults to {@link RotationConfig#ofDefaults()}
         * @return this builder
         */
        public Builder rotation(RotationConfig rotationConfig) {
            this.rotation = Objects.requireNonNull(rotationConfig, "rotation");
            return this;
        }

        /**
         * @param listener receives rotation events, in addition to those registered on the rotation config
         * @return this builder
         */
        public Builder listener(RotationListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param name prefixes log lines and names events, status and the MBean; defaults to
         *     {@code dualcred-redis-<n>}
         * @return this builder
         */
        public Builder poolName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("poolName must not be blank");
            }
            this.poolName = name;
            return this;
        }

        /**
         * @param register whether to register the rotation MBean as
         *     {@code io.dualcred:type=Rotation,name="<poolName>"}; off by default
         * @return this builder
         */
        public Builder registerMBean(boolean register) {
            this.registerMBean = register;
            return this;
        }

        // ---- client settings ----------------------------------------------------------------------------------

        /**
         * Sets the connect and the read timeout at once.
         *
         * @param timeout both timeouts; zero waits forever
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            return connectionTimeout(timeout).socketTimeout(timeout);
        }

        /**
         * @param timeout how long a TCP connect may take; zero waits forever; default 2 s
         * @return this builder
         */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeoutMillis = millis(timeout, "connectionTimeout");
            return this;
        }

        /**
         * @param timeout how long a reply may take; zero waits forever; default 2 s
         * @return this builder
         */
        public Builder socketTimeout(Duration timeout) {
            this.socketTimeoutMillis = millis(timeout, "socketTimeout");
            return this;
        }

        /**
         * @param timeout how long a blocking command (BLPOP...) may wait for its reply; zero (the default) waits
         *     forever
         * @return this builder
         */
        public Builder blockingSocketTimeout(Duration timeout) {
            this.blockingSocketTimeoutMillis = millis(timeout, "blockingSocketTimeout");
            return this;
        }

        /**
         * @param index the database every connection selects; default 0
         * @return this builder
         */
        public Builder database(int index) {
            if (index < 0) {
                throw new IllegalArgumentException("database must not be negative, was " + index);
            }
            this.database = index;
            return this;
        }

        /**
         * @param name the {@code CLIENT SETNAME} of every connection, shown by {@code CLIENT LIST}, followed by
         *     {@code [dualcred:v<version>]} unless {@link RotationConfig.Builder#tagSessions(boolean) tagSessions} is
         *     off; {@code null} for none (then the tag alone)
         * @return this builder
         */
        public Builder clientName(String name) {
            if (name != null && (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
                throw new IllegalArgumentException("clientName must be printable ASCII without spaces");
            }
            this.clientName = name;
            return this;
        }

        /**
         * @param enabled whether to connect with TLS; default off ({@code rediss://} URIs turn it on)
         * @return this builder
         */
        public Builder ssl(boolean enabled) {
            this.ssl = enabled;
            return this;
        }

        /**
         * @param factory the TLS socket factory (trust store, client certificate); turns TLS on
         * @return this builder
         */
        public Builder sslSocketFactory(SSLSocketFactory factory) {
            this.sslSocketFactory = Objects.requireNonNull(factory, "sslSocketFactory");
            this.ssl = true;
            return this;
        }

        /**
         * @param parameters TLS parameters, e.g. with endpoint identification; turns TLS on
         * @return this builder
         */
        public Builder sslParameters(SSLParameters parameters) {
            this.sslParameters = Objects.requireNonNull(parameters, "sslParameters");
            this.ssl = true;
            return this;
        }

        /**
         * @param verifier checks the server's host name after the TLS handshake; turns TLS on
         * @return this builder
         */
        public Builder hostnameVerifier(HostnameVerifier verifier) {
            this.hostnameVerifier = Objects.requireNonNull(verifier, "hostnameVerifier");
            this.ssl = true;
            return this;
        }

        /**
         * The RESP version every connection asks for with {@code HELLO <version> AUTH <user> <password>}. Always
         * explicit, so Jedis neither negotiates nor logs a warning per connection. A {@code JedisPool} speaks
         * RESP2 only.
         *
         * @param version {@link RedisProtocol#RESP2} (the default) or {@link RedisProtocol#RESP3}
         * @return this builder
         */
        public Builder protocol(RedisProtocol version) {
            this.protocol = Objects.requireNonNull(version, "protocol");
            return this;
        }

        /**
         * @param enabled {@code false} to log in with {@code AUTH} alone and speak RESP2, for servers before
         *     Redis 6 (which lack {@code HELLO}); default {@code true}
         * @return this builder
         */
        public Builder helloHandshake(boolean enabled) {
            this.helloHandshake = enabled;
            return this;
        }

        // ---- pool settings ------------------------------------------------------------------------------------

        /**
         * Starts the pool settings from a commons-pool2 configuration (copied now); the setters below override
         * single values. Without one, the pool starts from Jedis's {@code ConnectionPoolConfig} (RedisClient) or
         * {@code JedisPoolConfig} (JedisPool): 8 connections, idle ones checked every 30 s.
         *
         * @param config e.g. a {@code ConnectionPoolConfig} or {@code JedisPoolConfig}
         * @return this builder
         */
        public Builder poolConfig(GenericObjectPoolConfig<?> config) {
            this.poolTemplate = Objects.requireNonNull(config, "poolConfig").clone();
            return this;
        }

        /**
         * @param connections the most connections open at once; default 8
         * @return this builder
         */
        public Builder maxTotal(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxTotal must be at least 1, was " + connections);
            }
            this.maxTotal = connections;
            return this;
        }

        /**
         * @param connections the most idle connections kept; default 8
         * @return this builder
         */
        public Builder maxIdle(int connections) {
            if (connections < 0) {
                throw new IllegalArgumentException("maxIdle must not be negative, was " + connections);
            }
            this.maxIdle = connections;
            return this;
        }

        /**
         * @param connections the idle connections the pool's evictor keeps open; default 0
         * @return this builder
         */
        public Builder minIdle(int connections) {
            if (connections < 0) {
                throw new IllegalArgumentException("minIdle must not be negative, was " + connections);
            }
            this.minIdle = connections;
            return this;
        }

        /**
         * @param wait how long a caller waits for a connection when all are in use, or for a login under way on
         *     another thread (a hanging source or a slow server holds up only that thread); default forever
         * @return this builder
         */
        public Builder maxWait(Duration wait) {
            Objects.requireNonNull(wait, "maxWait");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("maxWait must not be negative, was " + wait);
            }
            this.maxWait = wait;
            return this;
        }

        // ---- several servers ----------------------------------------------------------------------------------

        /**
         * Continues as a Redis Cluster client. The settings above (credential source, timeouts, TLS, pool settings
         * per node, rotation) apply to every node; {@link #hostAndPort} and {@link #database} do not (the nodes are
         * discovered from {@code startNodes}; a cluster has database 0 only). They are read when the client is built.
         *
         * @param startNodes nodes to discover the cluster from; one that answers is enough
         * @return the cluster builder
         * @throws IllegalStateException when the Jedis on the class path is older than 7.2.0 (every flavour of the
         *     cluster builder relies on the cluster internals of 7.2.0 and later)
         */
        public ClusterBuilder cluster(Collection<HostAndPort> startNodes) {
            JedisFeatures.requireRedisClient("cluster()", null);
            return new ClusterBuilder(this, startNodes);
        }

        /**
         * Continues as a client of a Sentinel-managed primary. The settings above apply to the connections to the
         * primary; {@link #hostAndPort} does not (the Sentinels name the primary). They are read when the client is
         * built.
         *
         * @param masterName the name the Sentinels monitor the primary under
         * @param sentinels the Sentinels' addresses; one that answers is enough
         * @return the Sentinel builder
         * @throws IllegalStateException when the Jedis on the class path is older than 7.2.0 (every flavour of the
         *     Sentinel builder relies on the Sentinel internals of 7.2.0 and later)
         */
        public SentinelBuilder sentinel(String masterName, Collection<HostAndPort> sentinels) {
            JedisFeatures.requireRedisClient("sentinel()", null);
            return new SentinelBuilder(this, masterName, sentinels);
        }

        // ---- building -----------------------------------------------------------------------------------------

        /**
         * Builds a {@link RedisClient} whose pooled connections log in through the rotation engine. Reads the
         * source once; connects only when the first command runs.
         *
         * @return the client and its rotation controls
         * @throws IllegalStateException when no credential source is set, or the Jedis on the class path is older
         *     than 7.2.0 and has no {@code RedisClient} ({@link #buildPool()} works there)
         * @throws CredentialSourceException when the source cannot be read, naming the field
         */
        public DualCredentialRedisClient buildClient() {
            JedisFeatures.requireRedisClient("buildClient()", "Use buildPool()");
            ClientSettings settings = settings();
            String name = resolvePoolName();
            JedisSocketFactory socketFactory = settings.socketFactory();
            RotatingConnections<Connection> connections = new RotatingConnections<>(name,
                    new RedisConnectionOpener(settings, socketFactory, rotation.tagSessions()), Function.identity());
            RotationEngine engine = startEngine(name, connections);
            PooledConnectionProvider provider = null;
            try {
                DualCredentialConnectionFactory factory =
                        new DualCredentialConnectionFactory(socketFactory, settings.clientConfig(null), connections);
                GenericObjectPoolConfig<Connection> poolConfig = typedPoolConfig(ConnectionPoolConfig::new);
                provider = new RotatingConnectionProvider(factory, poolConfig, connections);
                connections.attach(provider.getPool());
                RedisClient client = RedisClient.builder()
                        .clientConfig(settings.commandConfig())
                        .connectionProvider(provider)
                        .build();
                logStart(name, "RedisClient", settings, poolConfig);
                return new DualCredentialRedisClient(client, engine, connections);
            } catch (RuntimeException e) {
                connections.close();
                if (provider != null) {
                    provider.close();
                }
                engine.close();
                throw e;
            }
        }

        /**
         * Builds a {@link redis.clients.jedis.JedisPool} whose connections log in through the rotation engine.
         * Reads the source once; connects only when the first {@code Jedis} is borrowed.
         *
         * @return the pool, which also offers the rotation controls
         * @throws IllegalStateException when no credential source is set, or RESP3 was asked for (Jedis objects
         *     speak RESP2 only)
         * @throws CredentialSourceException when the source cannot be read, naming the field
         */
        public DualCredentialJedisPool buildPool() {
            ClientSettings settings = settings();
            if (settings.protocol() == RedisProtocol.RESP3) {
                throw new IllegalStateException("a JedisPool lends Jedis objects, which speak RESP2 only: use "
                        + "protocol(RESP2) or buildClient()");
            }
            String name = resolvePoolName();
            RotatingConnections<Jedis> connections =
                    new RotatingConnections<>(name, new RedisConnectionOpener(settings, settings.socketFactory(),
                            rotation.tagSessions()),
                            Jedis::new);
            RotationEngine engine = startEngine(name, connections);
            try {
                GenericObjectPoolConfig<Jedis> poolConfig = typedPoolConfig(JedisPoolConfig::new);
                DualCredentialJedisPool pool = new DualCredentialJedisPool(poolConfig,
                        new DualCredentialJedisFactory(name, connections, settings.database()), engine, connections);
                connections.attach(pool);
                logStart(name, "JedisPool", settings, poolConfig);
                return pool;
            } catch (RuntimeException e) {
                connections.close();
                engine.close();
                throw e;
            }
        }

        /** @return the client settings, checked */
        ClientSettings settings() {
            if (source == null) {
                throw new IllegalStateException("a credential source is required (credentialSource)");
            }
            if (!helloHandshake && protocol != RedisProtocol.RESP2) {
                throw new IllegalStateException("helloHandshake(false) speaks RESP2 only, but protocol is "
                        + protocol);
            }
            return new ClientSettings(address, connectionTimeoutMillis, socketTimeoutMillis,
                    blockingSocketTimeoutMillis, database, clientName, ssl, sslSocketFactory, sslParameters,
                    hostnameVerifier, helloHandshake ? protocol : null);
        }

        /** @return the pool name set, or a new default one */
        String resolvePoolName() {
            return poolName != null ? poolName : "dualcred-redis-" + POOL_NUMBER.incrementAndGet();
        }

        private RotationEngine startEngine(String name, RotatingConnections<?> connections) {
            RotationEngine engine = startEngine(name, source, connections);
            connections.attach(engine);
            return engine;
        }

        /**
         * Starts an engine with this builder's rotation settings and listeners, and registers its MBean if asked.
         *
         * @param name the engine's pool name
         * @param credentialSource its source
         * @param evictor replaces the connections of older generations
         * @return the running engine
         */
        RotationEngine startEngine(String name, CredentialSource credentialSource, ConnectionEvictor evictor) {
            RotationConfig.Builder config = RotationConfig.from(rotation);
            listeners.forEach(config::listener);
            RotationEngine engine = RotationEngine.builder(name)
                    .source(credentialSource)
                    .classifier(RedisAuthFailureClassifier.INSTANCE)
                    .evictor(evictor)
                    .config(config.build())
                    .start();
            if (registerMBean) {
                try {
                    engine.registerMBean();
                } catch (RuntimeException e) {
                    engine.close();
                    throw e;
                }
            }
            return engine;
        }

        /** @return whether connections are tagged with the credential version in their client name */
        boolean tagSessions() {
            return rotation.tagSessions();
        }

        /** @return the credential source set, or {@code null} */
        CredentialSource source() {
            return source;
        }

        @SuppressWarnings("unchecked")
        <T> GenericObjectPoolConfig<T> typedPoolConfig(Supplier<GenericObjectPoolConfig<T>> jedisDefaults) {
            // The template's type parameter is erased: a copy serves any pooled type.
            GenericObjectPoolConfig<T> config = poolTemplate == null
                    ? jedisDefaults.get()
                    : (GenericObjectPoolConfig<T>) poolTemplate.clone();
            if (maxTotal != null) {
                config.setMaxTotal(maxTotal);
            }
            if (maxIdle != null) {
                config.setMaxIdle(maxIdle);
            }
            if (minIdle != null) {
                config.setMinIdle(minIdle);
            }
            if (maxWait != null) {
                config.setMaxWait(maxWait);
            }
            return config;
        }

        static void logStart(String name, String flavour, ClientSettings settings,
                                     GenericObjectPoolConfig<?> poolConfig) {
            LOG.info("{} - dual-credential {} for {} ({}{}, database {}, at most {} connections)", name, flavour,
                    settings.address(), settings.protocolDescription(), settings.ssl() ? ", TLS" : "",
                    settings.database(), poolConfig.getMaxTotal());
        }

        private static int millis(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (duration.isNegative() || duration.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be between 0 and " + Integer.MAX_VALUE
                        + " ms, was " + duration);
            }
            return (int) duration.toMillis();
        }

        private static int parseNumber(String text, String name) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a number, was '" + text + "'");
            }
        }
    }
}
