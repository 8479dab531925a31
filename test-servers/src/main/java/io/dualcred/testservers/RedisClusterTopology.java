package io.dualcred.testservers;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import redis.clients.jedis.HostAndPort;

/**
 * A Redis Cluster for tests: three primaries with the slots split in three ranges, each with one replica, all
 * embedded Redis 6.2 processes on {@code 127.0.0.1}. Each node's port {@code p} and cluster-bus port {@code p + 10000}
 * were free when it started.
 *
 * <p>The cluster is built by hand, as {@code redis-cli --cluster create} would (the embedded artifact ships no
 * {@code redis-cli}): {@code CLUSTER ADDSLOTS} on the primaries, {@code CLUSTER MEET}, {@code CLUSTER REPLICATE} on
 * the replicas; {@link #startNew()} returns once every node reports {@code cluster_state:ok}, knows all six nodes and
 * sees every primary replicated. Every node has the admin ACL user {@value RedisServer#ADMIN_USER}, which replicas
 * replicate with ({@code masteruser}/{@code masterauth}). Application users are created on every node with the
 * helpers: ACLs are per node, Redis Cluster does not propagate them.
 */
public final class RedisClusterTopology extends RedisTopology {

    /** The number of hash slots. */
    public static final int SLOTS = 16_384;
    private static final int PRIMARIES = 3;
    private static final int BUS_PORT_OFFSET = 10_000;
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

    private final String adminPassword = Support.randomSecret(24);
    private final List<RedisServer> nodes = new ArrayList<>();

    private RedisClusterTopology() {
        try {
            String configuration = String.join("\n",
                    "cluster-enabled yes",
                    "cluster-config-file nodes.conf",
                    "cluster-node-timeout 3000",
                    "masteruser " + RedisServer.ADMIN_USER,
                    "masterauth " + adminPassword,
                    "");
            for (int i = 0; i < 2 * PRIMARIES; i++) {
                nodes.add(RedisServer.member(adminPassword, new EmbeddedRedisEngine("Redis-cluster",
                        portWithFreeBusPort(), configuration, RedisServer.initialUsers(adminPassword), false)));
            }
            for (int i = 0; i < PRIMARIES; i++) {
                int from = i * SLOTS / PRIMARIES;
                int to = (i + 1) * SLOTS / PRIMARIES;
                List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                for (int slot = from; slot < to; slot++) {
                    command.add(Integer.toString(slot));
                }
                nodes.get(i).execute(command.toArray(String[]::new));
            }
            RedisServer first = nodes.get(0);
            for (RedisServer node : nodes.subList(1, nodes.size())) {
                first.execute("CLUSTER", "MEET", node.host(), Integer.toString(node.port()));
            }
            Support.await("every cluster node to know the other five", SETTLE_TIMEOUT,
                    () -> nodes.stream().allMatch(node -> info(node).contains("cluster_known_nodes:6")));
            for (int i = 0; i < PRIMARIES; i++) {
                String primaryId = id(nodes.get(i));
                RedisServer replica = nodes.get(PRIMARIES + i);
                // The replica may not have learnt the primary's id from gossip yet: retry until it has.
                Support.await("node " + replica.port() + " to replicate " + nodes.get(i).port(), SETTLE_TIMEOUT,
                        () -> "OK".equals(replica.execute("CLUSTER", "REPLICATE", primaryId)));
            }
            awaitSettled("the cluster to settle");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts the six nodes, assigns the slots and pairs the replicas; returns once the cluster is ready. Close it
     * when done.
     *
     * @return the running cluster
     * @throws IllegalStateException if it does not come up, with the reason
     */
    public static RedisClusterTopology startNew() {
        return new RedisClusterTopology();
    }

    /** @return the admin user's password, the same on every node */
    public String adminPassword() {
        return adminPassword;
    }

    /** @return all six nodes, the initial primaries first */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** @return every node's address, for a client's start nodes */
    public List<HostAndPort> addresses() {
        return nodes.stream().map(node -> new HostAndPort(node.host(), node.port())).toList();
    }

    /** @return the running nodes whose role is {@code master} now */
    public List<RedisServer> primaries() {
        return nodes.stream().filter(RedisServer::isRunning)
                .filter(node -> "master".equals(RedisSentinelTopology.role(node))).toList();
    }

    /** @return the running nodes whose role is {@code slave} now */
    public List<RedisServer> replicas() {
        return nodes.stream().filter(RedisServer::isRunning)
                .filter(node -> "slave".equals(RedisSentinelTopology.role(node))).toList();
    }

    /**
     * @param primary a primary
     * @return its replica now
     */
    public RedisServer replicaOf(RedisServer primary) {
        String primaryId = id(primary);
        Map<String, RedisServer> byId = nodes.stream().collect(Collectors.toMap(RedisClusterTopology::id,
                Function.identity()));
        String view = (String) primary.execute("CLUSTER", "NODES");
        for (String line : view.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length > 3 && fields[2].contains("slave") && fields[3].equals(primaryId)) {
                return byId.get(fields[0]);
            }
        }
        throw new IllegalStateException("primary " + primaryId + " on port " + primary.port()
                + " has no replica; CLUSTER NODES:\n" + view);
    }

    /**
     * Promotes a replica with {@code CLUSTER FAILOVER} (the coordinated manual failover) and waits until it is a
     * primary, every node agrees, its former primary replicates from it and the cluster state is ok again.
     *
     * @param replica a replica
     * @return the same node, now a primary
     */
    public RedisServer failover(RedisServer replica) {
        if (!"slave".equals(RedisSentinelTopology.role(replica))) {
            throw new IllegalArgumentException("node on port " + replica.port() + " is not a replica");
        }
        replica.execute("CLUSTER", "FAILOVER");
        String promoted = id(replica);
        Support.await("node " + replica.port() + " to become a primary", SETTLE_TIMEOUT, () -> {
            if (!"master".equals(RedisSentinelTopology.role(replica))) {
                return false;
            }
            for (RedisServer node : nodes) {
                if (!nodeLine(node, promoted).contains("master")) {
                    return false;
                }
            }
            return true;
        });
        awaitSettled("the cluster to settle after the failover to " + replica.port());
        return replica;
    }

    /**
     * Waits until every node reports {@code cluster_state:ok}, knows all six nodes, agrees on three primaries with
     * one replica each, and every replica's link is up: after a node was stopped and started again, for instance.
     */
    public void awaitHealthy() {
        awaitSettled("the cluster to be healthy");
    }

    /** Stops every node and deletes its files. */
    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    @Override
    List<RedisServer> dataNodeList() {
        return nodes;
    }

    @Override
    public String toString() {
        return "Redis Cluster of " + nodes;
    }

    /** @return the node's cluster id ({@code CLUSTER MYID}) */
    public static String id(RedisServer node) {
        return (String) node.execute("CLUSTER", "MYID");
    }

    private void awaitSettled(String what) {
        Support.await(what, SETTLE_TIMEOUT, () -> {
            for (RedisServer node : nodes) {
                String info = info(node);
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:" + SLOTS)
                        || !info.contains("cluster_known_nodes:6") || !info.contains("cluster_size:" + PRIMARIES)) {
                    return false;
                }
                long replicasSeen = ((String) node.execute("CLUSTER", "NODES")).lines()
                        .filter(line -> line.split(" ")[2].contains("slave")).count();
                if (replicasSeen != PRIMARIES) {
                    return false;   // gossip has not told this node every replica's role yet
                }
                String role = RedisSentinelTopology.role(node);
                String replication = RedisSentinelTopology.replicationInfo(node);
                if ("master".equals(role) ? !replication.contains("connected_slaves:1")
                        : !replication.contains("master_link_status:up")) {
                    return false;
                }
            }
            return true;
        });
    }

    private static String info(RedisServer node) {
        return (String) node.execute("CLUSTER", "INFO");
    }

    private static String nodeLine(RedisServer node, String id) {
        for (String line : ((String) node.execute("CLUSTER", "NODES")).split("\n")) {
            if (line.startsWith(id + " ")) {
                return line;
            }
        }
        return "";
    }

    /** A free port whose cluster-bus port ({@code + 10000}) is free as well. */
    private static int portWithFreeBusPort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = Support.freePort();
            if (port + BUS_PORT_OFFSET > 65_535) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + BUS_PORT_OFFSET)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port p with p + " + BUS_PORT_OFFSET + " free after 100 attempts");
    }
}
