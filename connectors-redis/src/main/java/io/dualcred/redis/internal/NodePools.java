package io.dualcred.redis.internal;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.spi.ConnectionEvictor;
import io.dualcred.rotation.spi.ConnectionOpener;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisCredentials;

/**
 * The connection pools of a client of several servers (Sentinel, Cluster), one per node, made on first use and all
 * logging in through one {@link RotationEngine}: a switch found on one node is a switch for every node, and the
 * engine's evictor ({@link #evictOlderThan}) has each node's pool replace its older connections, make before break.
 * Each node pool has its own {@link RotatingConnections}, so the probe that keeps a burst of logins from costing more
 * than one rejected login works per node pool, and an error names its node.
 *
 * <p>It also remembers the last credential a node accepted, for the few connections Jedis opens on its own (the
 * cluster's first slot discovery): {@link #lastAcceptedCredentials()}.
 */
public final class NodePools implements ConnectionEvictor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodePools.class);

    private final String clientName;
    private final ClientSettings settings;
    private final boolean tagSessions;
    private final GenericObjectPoolConfig<Connection> poolConfig;
    private final Map<HostAndPort, RotatingConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile RotationEngine engine;
    private volatile Credential lastAccepted;
    private volatile boolean closed;

    /**
     * @param clientName the client's name, for log lines
     * @param settings the client settings; the address is replaced by each node's
     * @param tagSessions whether client names show the credential version
     * @param poolConfig every node pool's settings
     */
    public NodePools(String clientName, ClientSettings settings, boolean tagSessions,
                     GenericObjectPoolConfig<Connection> poolConfig) {
        this.clientName = Objects.requireNonNull(clientName, "clientName");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.tagSessions = tagSessions;
        this.poolConfig = Objects.requireNonNull(poolConfig, "poolConfig");
    }

    /**
     * Settings for the plain pools Jedis makes for its own bookkeeping (a cluster's slot map, a Sentinel's primary)
     * next to these: never borrowed from, they must not fill up on their own either.
     *
     * @return at most one connection, none kept idle, no evictor
     */
    public static GenericObjectPoolConfig<Connection> unusedPlainPoolConfig() {
        GenericObjectPoolConfig<Connection> config = new GenericObjectPoolConfig<>();
        config.setMinIdle(0);
        config.setMaxTotal(1);
        config.setTimeBetweenEvictionRuns(Duration.ofMillis(-1));
        return config;
    }

    /**
     * Connects this to its engine, before the first pool is made.
     *
     * @param rotationEngine the engine shared by every node pool
     */
    public void attach(RotationEngine rotationEngine) {
        this.engine = Objects.requireNonNull(rotationEngine, "rotationEngine");
    }

    /**
     * @param node a server
     * @return its pool, made now if it is the first use
     * @throws IllegalStateException when the client is closed
     */
    public RotatingConnectionPool pool(HostAndPort node) {
        if (closed) {
            throw new IllegalStateException(clientName + " - the client is closed");
        }
        return pools.computeIfAbsent(node, this::create);
    }

    /**
     * Logs in to a node once through the engine, without pooling the connection; for Jedis's own connections
     * that need a credential before any pool exists.
     *
     * @param node the server
     * @throws Exception as {@link RotationEngine#openWithFallback}
     */
    public void probe(HostAndPort node) throws Exception {
        engine().openWithFallback(opener(settings.withAddress(node), settings.withAddress(node).socketFactory(), node))
                .connection().close();
    }

    /**
     * @return credentials for a connection Jedis opens on its own: the credential a node accepted last, or none
     *     before any did
     */
    public Supplier<RedisCredentials> lastAcceptedCredentials() {
        return () -> {
            Credential credential = lastAccepted;
            return credential == null ? null : RedisConnectionOpener.toJedis(credential);
        };
    }

    /**
     * Closes the pools of every node but {@code keep}: after a failover, the former primary's connections are of no
     * more use (Jedis's own Sentinel provider closes its pool too). A connection in use is closed when returned.
     *
     * @param keep the node whose pool stays
     */
    public void closeAllBut(HostAndPort keep) {
        pools.entrySet().removeIf(entry -> {
            if (entry.getKey().equals(keep)) {
                return false;
            }
            closeQuietly(entry.getValue());
            LOG.debug("{} - closed the pool for node {}", clientName, entry.getKey());
            return true;
        });
    }

    /** Every node pool replaces its connections older than {@code generation}. */
    @Override
    public void evictOlderThan(long generation) {
        pools.values().forEach(pool -> pool.connections().evictOlderThan(generation));
    }

    /** Closes every node pool. Idempotent. */
    @Override
    public void close() {
        closed = true;
        pools.values().forEach(this::closeQuietly);
    }

    private void closeQuietly(RotatingConnectionPool pool) {
        pool.connections().close();
        try {
            pool.close();
        } catch (RuntimeException e) {
            LOG.debug("{} - closing a node pool failed: {}", clientName, e.toString());
        }
    }

    private RotatingConnectionPool create(HostAndPort node) {
        ClientSettings nodeSettings = settings.withAddress(node);
        JedisSocketFactory socketFactory = nodeSettings.socketFactory();
        RotatingConnections<Connection> connections = new RotatingConnections<>(clientName + " " + node,
                opener(nodeSettings, socketFactory, node), Function.identity(), node.toString());
        connections.attach(engine());
        RotatingConnectionPool pool = new RotatingConnectionPool(
                new DualCredentialConnectionFactory(socketFactory, nodeSettings.clientConfig(null), connections),
                poolConfig, connections);
        connections.attach(pool);
        LOG.debug("{} - pool for node {}", clientName, node);
        return pool;
    }

    /** Logs in to {@code node}; the engine backs off the logins to a node that rejects every credential alone. */
    private ConnectionOpener<Connection> opener(ClientSettings nodeSettings, JedisSocketFactory socketFactory,
                                                HostAndPort node) {
        RedisConnectionOpener opener = new RedisConnectionOpener(nodeSettings, socketFactory, tagSessions);
        String target = node.toString();
        return new ConnectionOpener<>() {
            @Override
            public Connection open(Credential credential) throws Exception {
                Connection connection = opener.open(credential);
                lastAccepted = credential;
                return connection;
            }

            @Override
            public String target() {
                return target;
            }
        };
    }

    private RotationEngine engine() {
        RotationEngine rotation = engine;
        if (rotation == null) {
            throw new IllegalStateException(clientName + " - the node pools are not attached to their rotation engine");
        }
        return rotation;
    }
}
