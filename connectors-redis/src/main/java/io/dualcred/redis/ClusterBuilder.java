package io.dualcred.redis;

import io.dualcred.redis.internal.ClientSettings;
import io.dualcred.redis.internal.NodePools;
import io.dualcred.redis.internal.RotatingClusterConnectionProvider;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisClusterOperationException;

/**
 * Builds dual-credential Redis Cluster clients: a {@link RedisClusterClient} ({@link #buildClient()}) or a legacy
 * {@link JedisCluster} ({@link #buildJedisCluster()}). Reached from {@link DualCredentialRedis.Builder#cluster}, which
 * holds the settings every node shares:
 *
 * <pre>{@code
 * DualCredentialRedisClusterClient cluster = DualCredentialRedis.builder()
 *         .credentialSource(CredentialSources.fromUri("env:REDIS"))
 *         .maxTotal(16)                                   // per node
 *         .cluster(List.of(new HostAndPort("redis-0.internal", 6379)))
 *         .buildClient();
 * RedisClusterClient client = cluster.client();
 * }</pre>
 *
 * <p>Redis Cluster has one credential for every node. Each node gets its own pool of dual-credential connections,
 * all logging in through one rotation engine: a switch found on one node (the first node whose old password was
 * removed) makes every node's pool replace its connections, make before break, so a rotation costs at most one
 * rejected login per node pool. {@code MOVED}, {@code ASK}, a failover or a node that goes away are handled by Jedis
 * as with a plain client and never change the credential.
 */
public final class ClusterBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterBuilder.class);

    private final DualCredentialRedis.Builder common;
    private final Set<HostAndPort> startNodes;
    private int maxAttempts = JedisCluster.DEFAULT_MAX_ATTEMPTS;
    private Duration maxTotalRetriesDuration;

    ClusterBuilder(DualCredentialRedis.Builder common, Collection<HostAndPort> startNodes) {
        this.common = Objects.requireNonNull(common, "common");
        Objects.requireNonNull(startNodes, "startNodes");
        if (startNodes.isEmpty()) {
            throw new IllegalArgumentException("startNodes must name at least one node");
        }
        startNodes.forEach(node -> Objects.requireNonNull(node, "startNodes must not contain null"));
        this.startNodes = new LinkedHashSet<>(startNodes);
    }

    /**
     * @param attempts how often Jedis tries a command (following redirections, after connection failures); default
     *     {@value JedisCluster#DEFAULT_MAX_ATTEMPTS}
     * @return this builder
     */
    public ClusterBuilder maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
        }
        this.maxAttempts = attempts;
        return this;
    }

    /**
     * @param duration how long Jedis keeps retrying a command in all; default the socket timeout times
     *     {@link #maxAttempts}, as Jedis
     * @return this builder
     */
    public ClusterBuilder maxTotalRetriesDuration(Duration duration) {
        Objects.requireNonNull(duration, "maxTotalRetriesDuration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("maxTotalRetriesDuration must be positive, was " + duration);
        }
        this.maxTotalRetriesDuration = duration;
        return this;
    }

    /**
     * Builds a {@link RedisClusterClient}. Reads the source, logs in to the first start node that answers and
     * discovers the cluster's slots from it.
     *
     * @return the client and its rotation controls
     * @throws RedisCredentialsRejectedException when a start node rejects every credential, naming the node
     * @throws JedisClusterOperationException when no start node answers
     * @throws CredentialSourceException when the source cannot be read
     */
    public DualCredentialRedisClusterClient buildClient() {
        Parts parts = start("RedisClusterClient");
        try {
            RedisClusterClient client = RedisClusterClient.builder()
                    .nodes(startNodes)
                    .clientConfig(parts.settings.commandConfig())
                    .connectionProvider(parts.provider)
                    .maxAttempts(maxAttempts)
                    .maxTotalRetriesDuration(retries(parts.settings))
                    .build();
            return new DualCredentialRedisClusterClient(client, parts.engine, parts.pools);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * Builds a legacy {@link JedisCluster}, RESP2 only.
     *
     * @return the client, which also offers the rotation controls
     * @throws IllegalStateException when RESP3 was asked for
     * @throws RedisCredentialsRejectedException when a start node rejects every credential, naming the node
     * @throws JedisClusterOperationException when no start node answers
     * @throws CredentialSourceException when the source cannot be read
     */
    public DualCredentialJedisCluster buildJedisCluster() {
        if (common.settings().protocol() == RedisProtocol.RESP3) {
            throw new IllegalStateException("a JedisCluster built from a connection provider speaks RESP2 only: use "
                    + "protocol(RESP2) or buildClient()");
        }
        Parts parts = start("JedisCluster");
        try {
            return new DualCredentialJedisCluster(parts.provider, maxAttempts, retries(parts.settings), parts.engine,
                    parts.pools);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    private Duration retries(ClientSettings settings) {
        return maxTotalRetriesDuration != null ? maxTotalRetriesDuration
                : Duration.ofMillis((long) settings.socketTimeoutMillis() * maxAttempts);
    }

    /** The engine, the node pools and Jedis's slot map, which is discovered over a dual-credential login. */
    private Parts start(String flavour) {
        ClientSettings settings = common.settings();
        if (settings.database() != 0) {
            throw new IllegalStateException("a Redis Cluster has database 0 only, but database is "
                    + settings.database());
        }
        String name = common.resolvePoolName();
        GenericObjectPoolConfig<Connection> poolConfig = common.typedPoolConfig(ConnectionPoolConfig::new);
        NodePools pools = new NodePools(name, settings, common.tagSessions(), poolConfig);
        RotationEngine engine = common.startEngine(name, common.source(), pools);
        pools.attach(engine);
        try {
            probeFirstAnswering(pools);
            RotatingClusterConnectionProvider provider = new RotatingClusterConnectionProvider(startNodes,
                    settings.clientConfigAskingFor(pools.lastAcceptedCredentials()), pools);
            LOG.info("{} - dual-credential {} for the cluster of {} ({}{}, at most {} connections per node)", name,
                    flavour, startNodes, settings.protocolDescription(), settings.ssl() ? ", TLS" : "",
                    poolConfig.getMaxTotal());
            return new Parts(settings, engine, pools, provider);
        } catch (RuntimeException e) {
            pools.close();
            engine.close();
            throw e;
        }
    }

    /** Logs in to the first start node that answers, so that the slot discovery has a credential that works. */
    private void probeFirstAnswering(NodePools pools) {
        JedisClusterOperationException none =
                new JedisClusterOperationException("Could not initialize cluster slots cache.");
        for (HostAndPort node : startNodes) {
            try {
                pools.probe(node);
                return;
            } catch (AllCredentialsRejectedException rejected) {
                throw new RedisCredentialsRejectedException(rejected, node.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JedisClusterOperationException("interrupted while logging in to " + node, e);
            } catch (Exception unreachable) {
                none.addSuppressed(unreachable);
            }
        }
        throw none;
    }

    private record Parts(ClientSettings settings, RotationEngine engine, NodePools pools,
                         RotatingClusterConnectionProvider provider) {
        void close() {
            try {
                provider.close();
                pools.close();
            } finally {
                engine.close();
            }
        }
    }
}
