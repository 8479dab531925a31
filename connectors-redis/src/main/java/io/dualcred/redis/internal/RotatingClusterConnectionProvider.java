package io.dualcred.redis.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * The connection provider of a dual-credential Redis Cluster client ({@code RedisClusterClient},
 * {@code JedisCluster}). Jedis keeps the slot map (which node serves which slot, refreshed on {@code MOVED} and on
 * connection failures); the connections come from {@link NodePools}, one dual-credential pool per node, instead of
 * the plain pools Jedis makes for its slot map. Every method that hands out a connection or a pool is overridden, so
 * no command runs on a connection that logged in outside the rotation engine; Jedis's own pools for the slot map
 * are never borrowed from.
 *
 * <p>Redirections ({@code MOVED}, {@code ASK}), failovers and unreachable nodes are Jedis's business, as with a plain
 * client: they reach the engine only as connection failures, which never change the credential.
 */
public final class RotatingClusterConnectionProvider extends ClusterConnectionProvider {

    private final NodePools pools;

    /**
     * Discovers the slots from the first start node that answers, logging in with the credential a node accepted
     * last (the caller probes one first).
     *
     * @param startNodes the nodes to discover the cluster from
     * @param discoveryConfig client settings whose credentials are {@link NodePools#lastAcceptedCredentials()}
     * @param pools the node pools
     */
    public RotatingClusterConnectionProvider(Set<HostAndPort> startNodes, JedisClientConfig discoveryConfig,
                                             NodePools pools) {
        super(startNodes, discoveryConfig, NodePools.unusedPlainPoolConfig());
        this.pools = Objects.requireNonNull(pools, "pools");
    }

    @Override
    public Connection getConnection(HostAndPort node) {
        return node == null ? getConnection() : pools.pool(node).getResource();
    }

    @Override
    public Connection getConnectionFromSlot(int slot) {
        HostAndPort node = cache.getSlotNode(slot);
        if (node == null) {
            renewSlotCache();
            node = cache.getSlotNode(slot);
        }
        return node == null ? getConnection() : pools.pool(node).getResource();
    }

    @Override
    public Connection getReplicaConnectionFromSlot(int slot) {
        List<ConnectionPool> replicas = cache.getSlotReplicaPools(slot);
        if (replicas == null || replicas.isEmpty()) {
            return getConnectionFromSlot(slot);
        }
        ConnectionPool plain = replicas.get(ThreadLocalRandom.current().nextInt(replicas.size()));
        for (Map.Entry<String, ConnectionPool> entry : cache.getNodes().entrySet()) {
            if (entry.getValue() == plain) {
                return pools.pool(HostAndPort.from(entry.getKey())).getResource();
            }
        }
        return getConnectionFromSlot(slot);
    }

    /** A connection to any primary that answers a {@code PING}, as Jedis's own provider does. */
    @Override
    public Connection getConnection() {
        List<String> primaries = new ArrayList<>(cache.getPrimaryNodes().keySet());
        Collections.shuffle(primaries);
        JedisException last = null;
        for (String node : primaries) {
            Connection connection = null;
            try {
                connection = pools.pool(HostAndPort.from(node)).getResource();
                connection.ping();
                return connection;
            } catch (JedisException e) {
                last = e;
                if (connection != null) {
                    connection.close();
                }
            }
        }
        JedisClusterOperationException none = new JedisClusterOperationException("No more cluster attempts left.");
        if (last != null) {
            none.addSuppressed(last);
        }
        throw none;
    }

    /** Refreshes the slot map over a dual-credential connection to the first node that answers. */
    @Override
    public void renewSlotCache() {
        List<String> nodes = new ArrayList<>(cache.getNodes().keySet());
        Collections.shuffle(nodes);
        for (String node : nodes) {
            try (Connection connection = pools.pool(HostAndPort.from(node)).getResource()) {
                renewSlotCache(connection);
                return;
            } catch (JedisException e) {
                // try the next node, as Jedis does
            }
        }
    }

    @Override
    public Map<String, ConnectionPool> getNodes() {
        return ours(cache.getNodes().keySet());
    }

    @Override
    public Map<String, ConnectionPool> getPrimaryNodes() {
        return ours(cache.getPrimaryNodes().keySet());
    }

    @Override
    public Map<String, ConnectionPool> getConnectionMap() {
        return Collections.unmodifiableMap(getNodes());
    }

    @Override
    public Map<String, ConnectionPool> getPrimaryNodesConnectionMap() {
        return Collections.unmodifiableMap(getPrimaryNodes());
    }

    private Map<String, ConnectionPool> ours(Set<String> nodes) {
        Map<String, ConnectionPool> map = new LinkedHashMap<>();
        for (String node : nodes) {
            map.put(node, pools.pool(HostAndPort.from(node)));
        }
        return map;
    }
}
