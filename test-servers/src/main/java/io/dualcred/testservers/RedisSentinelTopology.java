package io.dualcred.testservers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import redis.clients.jedis.HostAndPort;

/**
 * A Sentinel-managed Redis for tests: a primary, one replica and three Sentinels, all embedded Redis 6.2 processes
 * on random free ports of {@code 127.0.0.1}.
 *
 * <p>Every member has the admin ACL user {@value RedisServer#ADMIN_USER} with one random password, which the
 * replica uses to replicate ({@code masteruser}/{@code masterauth}, set on both data nodes so that either can be
 * demoted), the Sentinels use to watch the data nodes ({@code sentinel auth-user}/{@code auth-pass}) and to talk to
 * each other ({@code sentinel sentinel-user}/{@code sentinel-pass}). Application users are created with the
 * helpers, on every data node ({@link #setUser}) or on every Sentinel ({@link #setSentinelUser}): ACLs are per
 * process. {@link #failover()} runs {@code SENTINEL FAILOVER} and returns once every Sentinel names the new primary
 * and the old one replicates from it.
 */
public final class RedisSentinelTopology extends RedisTopology {

    /** The name the Sentinels monitor the primary under. */
    public static final String MASTER_NAME = "dualcred-primary";

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

    private final String adminPassword = Support.randomSecret(24);
    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();

    private RedisSentinelTopology() {
        try {
            String replication = "masteruser " + RedisServer.ADMIN_USER + "\nmasterauth " + adminPassword + "\n";
            String users = RedisServer.initialUsers(adminPassword);
            RedisServer primary = RedisServer.member(adminPassword,
                    new EmbeddedRedisEngine("Redis-primary", Support.freePort(), replication, users, false));
            dataNodes.add(primary);
            dataNodes.add(RedisServer.member(adminPassword, new EmbeddedRedisEngine("Redis-replica",
                    Support.freePort(), replication + "replicaof " + primary.host() + " " + primary.port() + "\n",
                    users, false)));
            awaitReplication(primary, dataNodes.get(1));
            for (int i = 0; i < 3; i++) {
                String configuration = String.join("\n",
                        "sentinel monitor " + MASTER_NAME + " " + primary.host() + " " + primary.port() + " 2",
                        "sentinel auth-user " + MASTER_NAME + " " + RedisServer.ADMIN_USER,
                        "sentinel auth-pass " + MASTER_NAME + " " + adminPassword,
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 2000",
                        "sentinel failover-timeout " + MASTER_NAME + " 20000",
                        "sentinel sentinel-user " + RedisServer.ADMIN_USER,
                        "sentinel sentinel-pass " + adminPassword,
                        RedisServer.initialUsers(adminPassword));
                sentinels.add(RedisServer.member(adminPassword,
                        new EmbeddedRedisEngine("Redis-sentinel", Support.freePort(), configuration, null, true)));
            }
            Support.await("every Sentinel to know the replica and the other Sentinels", SETTLE_TIMEOUT, () -> {
                for (RedisServer sentinel : sentinels) {
                    if (((List<?>) sentinel.execute("SENTINEL", "REPLICAS", MASTER_NAME)).size() != 1
                            || ((List<?>) sentinel.execute("SENTINEL", "SENTINELS", MASTER_NAME)).size() != 2) {
                        return false;
                    }
                }
                return true;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts a primary, a replica and three Sentinels, and returns once the replica replicates and every Sentinel
     * knows the replica and the other Sentinels. Close it when done.
     *
     * @return the running topology
     * @throws IllegalStateException if it does not come up, with the reason
     */
    public static RedisSentinelTopology startNew() {
        return new RedisSentinelTopology();
    }

    /** @return the admin user's password, the same on every member */
    public String adminPassword() {
        return adminPassword;
    }

    /** @return both data nodes, the initial primary first */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    /** @return the three Sentinels */
    public List<RedisServer> sentinels() {
        return List.copyOf(sentinels);
    }

    /** @return the Sentinels' addresses, for a client's configuration */
    public List<HostAndPort> sentinelAddresses() {
        return sentinels.stream().map(s -> new HostAndPort(s.host(), s.port())).toList();
    }

    /** @return the data node the first Sentinel names as primary now */
    public RedisServer primary() {
        List<?> address = (List<?>) sentinels.get(0).execute("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        int port = Integer.parseInt((String) address.get(1));
        return dataNodes.stream().filter(node -> node.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinels name an unknown primary on port " + port));
    }

    /** @return the data node that is not the primary */
    public RedisServer replica() {
        RedisServer primary = primary();
        return dataNodes.get(0) == primary ? dataNodes.get(1) : dataNodes.get(0);
    }

    /**
     * Forces a failover ({@code SENTINEL FAILOVER} on the first Sentinel) and waits until every Sentinel names the
     * former replica as primary, it reports the role {@code master}, and the former primary replicates from it.
     *
     * <p>Once every Sentinel names the new primary, the former primary is sent what Sentinel itself sends it to turn
     * it into a replica ({@code REPLICAOF}, {@code CONFIG REWRITE}, {@code CLIENT KILL TYPE normal} and
     * {@code pubsub}, in one transaction). Sentinel sends it too, but only about ten seconds later: after a role
     * change it waits four of its 2 s publish periods, and it asks a replica for {@code INFO} every 10 s (both fixed
     * in Redis 6.2). Clients follow the failover when the Sentinels announce the new primary, which this does not
     * change; the topology is in the same state when this returns, eight seconds or so sooner.
     *
     * @return the new primary
     */
    public RedisServer failover() {
        RedisServer oldPrimary = primary();
        RedisServer newPrimary = replica();
        sentinels.get(0).execute("SENTINEL", "FAILOVER", MASTER_NAME);
        Support.await("the Sentinels to promote the replica on port " + newPrimary.port(), SETTLE_TIMEOUT, () -> {
            for (RedisServer sentinel : sentinels) {
                List<?> address = (List<?>) sentinel.execute("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                if (Integer.parseInt((String) address.get(1)) != newPrimary.port()) {
                    return false;
                }
            }
            return "master".equals(role(newPrimary));
        });
        if ("master".equals(role(oldPrimary))) {
            oldPrimary.executeInTransaction(List.of(
                    List.of("REPLICAOF", newPrimary.host(), Integer.toString(newPrimary.port())),
                    List.of("CONFIG", "REWRITE"),
                    List.of("CLIENT", "KILL", "TYPE", "normal"),
                    List.of("CLIENT", "KILL", "TYPE", "pubsub")));
        }
        Support.await("the former primary on port " + oldPrimary.port() + " to replicate from port "
                + newPrimary.port(), SETTLE_TIMEOUT, () -> "slave".equals(role(oldPrimary))
                && replicationInfo(oldPrimary).contains("master_link_status:up"));
        return newPrimary;
    }

    /**
     * Creates or replaces an ACL user on every Sentinel, for clients that authenticate to the Sentinels.
     *
     * @param user the user name
     * @param passwords its passwords
     */
    public void setSentinelUser(String user, String... passwords) {
        sentinels.forEach(sentinel -> sentinel.setUser(user, passwords));
    }

    /**
     * Runs an action on every Sentinel, e.g. {@code s -> s.addPassword(user, pw)}.
     *
     * @param action what to do on one Sentinel
     */
    public void onEverySentinel(Consumer<RedisServer> action) {
        sentinels.forEach(action);
    }

    /** Stops every member and deletes its files. */
    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
    }

    @Override
    List<RedisServer> dataNodeList() {
        return dataNodes;
    }

    @Override
    public String toString() {
        return "Sentinel topology " + MASTER_NAME + ": data nodes " + dataNodes + ", sentinels " + sentinels;
    }

    static String role(RedisServer node) {
        return (String) ((List<?>) node.execute("ROLE")).get(0);
    }

    static String replicationInfo(RedisServer node) {
        return (String) node.execute("INFO", "replication");
    }

    private static void awaitReplication(RedisServer primary, RedisServer replica) {
        Support.await("the replica on port " + replica.port() + " to replicate from port " + primary.port(),
                SETTLE_TIMEOUT, () -> replicationInfo(replica).contains("master_link_status:up")
                        && replicationInfo(primary).contains("connected_slaves:1"));
    }
}
