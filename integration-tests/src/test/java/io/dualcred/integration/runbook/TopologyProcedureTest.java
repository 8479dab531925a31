package io.dualcred.integration.runbook;

import static io.dualcred.integration.runbook.SecretRotationProcedureTest.NASTY;
import static io.dualcred.integration.runbook.SecretRotationProcedureTest.authFailures;
import static io.dualcred.integration.runbook.SecretRotationProcedureTest.pairs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.integration.runbook.RunbookOperator.Procedure;
import io.dualcred.integration.runbook.RunbookOperator.RedisTarget;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClusterClient;
import io.dualcred.redis.DualCredentialRedisSentinelClient;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisSentinelTopology;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/**
 * Runs sections 6.1 (Sentinel) and 6.2 (Redis Cluster) of {@code docs/SECRET_ROTATION_PROCEDURE.md} on real
 * topologies while a dual-credential client serves commands from several threads: every block of both procedures,
 * in document order, with passwords that need the runbook's quoting. The steps the sections take from section 6
 * (add NEXT, remove CURRENT on one server) run through the test servers' helpers: their blocks are run by
 * {@link SecretRotationProcedureTest}.
 */
class TopologyProcedureTest {

    /** The procedures of sections 6.1 and 6.2, which this test runs. */
    static final List<String> PROCEDURES = List.of("redis-sentinel", "redis-cluster");

    private static final Runbook RUNBOOK = Runbook.load();
    private static final String RUN = Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000), 16);
    private static final int LOAD_THREADS = 3;

    @Test
    void sentinelProcedureUnderLoad() throws Exception {
        String app = "orders:app@☃-" + RUN;
        String current = NASTY + " app current";
        String next = NASTY + " app next";
        String infra = "replication-" + RUN;
        String infraCurrent = NASTY + " infra current";
        String infraNext = NASTY + " infra next";
        String watcher = "watcher-" + RUN;
        String watcherCurrent = NASTY + " sentinel current";
        String watcherNext = NASTY + " sentinel next";

        try (RedisSentinelTopology topology = RedisSentinelTopology.startNew()) {
            String master = RedisSentinelTopology.MASTER_NAME;
            topology.setUser(app, current);
            useForReplicationAndSentinels(topology, infra, infraCurrent);
            topology.setSentinelUser(watcher, watcherCurrent);
            MutableSource data = new MutableSource(Credential.of(app, current));
            MutableSource sentinelSecret = new MutableSource(Credential.of(watcher, watcherCurrent));
            RedisServer primary = topology.primary();
            RedisServer replica = topology.replica();
            List<RedisTarget> dataNodes = List.of(target("primary", primary), target("replica", replica));
            RedisTarget[] sentinels = topology.sentinels().stream()
                    .map(s -> target("sentinel-" + s.port(), s)).toArray(RedisTarget[]::new);

            try (DualCredentialRedisSentinelClient client = DualCredentialRedis.builder()
                         .credentialSource(data)
                         .maxTotal(LOAD_THREADS)
                         .poolName("sentinel-runbook-" + RUN)
                         .sentinel(master, topology.sentinelAddresses())
                         .sentinelCredentialSource(sentinelSecret)
                         .buildClient();
                 Load load = Load.start("sentinel-runbook", LOAD_THREADS, setAndGet(client.client(), "s"));
                 RunbookOperator operator = new RunbookOperator(RUNBOOK, TopologyProcedureTest::noSql)) {
                load.awaitProgress(100);
                operator.variables.put("master_name", master);
                Procedure procedure = operator.procedure("redis-sentinel");

                // Step 1
                List<Object> address = procedure.redis("primary", sentinels[0]).get(0);
                assertThat(((List<?>) address.get(0)).get(1)).isEqualTo(Integer.toString(primary.port()));
                List<?> replicas = (List<?>) procedure.redis("replicas", sentinels[0]).get(0).get(0);
                assertThat(replicas).singleElement().satisfies(entry -> {
                    assertThat(pairs(entry).get("port")).isEqualTo(Integer.toString(replica.port()));
                    assertThat(pairs(entry).get("flags")).isEqualTo("slave");
                });

                // Step 2: section 6 on both data nodes, CURRENT removed node by node with ROLE after each
                topology.addPassword(app, next);
                data.set(Credential.of(app, current), Credential.of(app, next));
                client.rotation().refresh();
                primary.removePassword(app, current);
                client.rotation().evictConnections();
                awaitSlot(client.rotation(), Slot.NEXT);
                assertThat(roleOf(procedure.redis("role", dataNodes.get(0)))).isEqualTo("master");
                load.awaitProgress(100);
                replica.removePassword(app, current);
                assertThat(roleOf(procedure.redisAgain("role", dataNodes.get(1)))).isEqualTo("slave");
                assertThat(primary.authenticationFailures(app) + replica.authenticationFailures(app))
                        .as("rejected logins of the one pool").isEqualTo(1);
                load.awaitProgress(100);

                // Step 3: the replicas' and the Sentinels' user
                topology.addPassword(infra, infraNext);
                operator.variables.put("next_password", infraNext);
                procedure.redis("masterauth", dataNodes.toArray(RedisTarget[]::new));
                procedure.redis("auth-pass", sentinels);
                primary.execute("CONFIG", "REWRITE");
                replica.execute("CONFIG", "REWRITE");
                procedure.redis("replica-reconnect", dataNodes.get(1));
                assertThat(procedure.redis("replica-status", dataNodes.get(1)).get(0).get(0)).isNotNull();
                await("the replica to log in again with the new password").atMost(Fleet.PATIENCE)
                        .until(() -> String.valueOf(procedure.redisAgain("replica-status", dataNodes.get(1))
                                .get(0).get(0)).contains("master_link_status:up"));
                topology.removePassword(infra, infraCurrent);

                // Step 4: the Sentinels' own user
                operator.variables.put("redis_user", watcher);
                operator.variables.put("current_password", watcherCurrent);
                operator.variables.put("next_password", watcherNext);
                procedure.redis("sentinel-add-next", sentinels);
                sentinelSecret.set(Credential.of(watcher, watcherCurrent), Credential.of(watcher, watcherNext));
                RotationControl sentinelRotation = client.sentinelRotation().orElseThrow();
                assertThat(sentinelRotation.refresh().nextStaged()).isTrue();
                procedure.redis("sentinel-remove-current", sentinels);
                // A revocation that disconnects: the client's Sentinel subscriptions log in again
                topology.onEverySentinel(sentinel -> sentinel.killClientsOfUser(watcher));
                awaitSlot(sentinelRotation, Slot.NEXT);
                List<List<Object>> logs = procedure.redis("sentinel-acl-log", sentinels);
                assertThat(logs).allSatisfy(log -> assertThat(authFailures(log.get(0), watcher)).isLessThanOrEqualTo(1));
                assertThat(procedure.redis("sentinel-persist", sentinels))
                        .allSatisfy(replies -> assertThat(replies).containsExactly("OK"));
                procedure.finish();
                load.awaitProgress(100);
                assertThat(load.failures()).as("failures during the rotations").isEmpty();

                // The rotated Sentinel connections still announce a failover (which the load may notice)
                RedisServer promoted = topology.failover();
                await("the client to follow the failover").atMost(Fleet.PATIENCE)
                        .until(() -> client.client().getCurrentMaster().getPort() == promoted.port());
                load.awaitProgress(100);
                load.stop();
            }
        }
    }

    @Test
    void clusterProcedureUnderLoad() throws Exception {
        String app = "orders:app@☃-" + RUN;
        String current = NASTY + " cluster current";
        String next = NASTY + " cluster next";
        try (RedisClusterTopology cluster = RedisClusterTopology.startNew()) {
            cluster.setUser(app, current);
            MutableSource data = new MutableSource(Credential.of(app, current));
            // Primaries first: the first node to lose CURRENT must be one the client talks to (it reads from no
            // replica), or no login meets the removal and the client has no reason to switch.
            List<RedisServer> nodes = new ArrayList<>(cluster.primaries());
            nodes.addAll(cluster.replicas());

            try (DualCredentialRedisClusterClient client = DualCredentialRedis.builder()
                         .credentialSource(data)
                         .maxTotal(LOAD_THREADS)
                         .poolName("cluster-runbook-" + RUN)
                         .cluster(cluster.addresses())
                         .buildClient();
                 Load load = Load.start("cluster-runbook", LOAD_THREADS, setAndGet(client.client(), "c"));
                 RunbookOperator operator = new RunbookOperator(RUNBOOK, TopologyProcedureTest::noSql)) {
                load.awaitProgress(100);
                // The three load threads' keys need not hash to every primary: of the primaries, one holding the
                // client's connections goes first.
                nodes.sort(Comparator.comparing(node -> node.clients().stream().noneMatch(c -> app.equals(c.user()))));
                operator.variables.put("redis_user", app);
                Procedure procedure = operator.procedure("redis-cluster");

                // Step 1
                String listing = (String) procedure.redis("nodes", target("node-0", nodes.get(0))).get(0).get(0);
                Set<Integer> listed = listing.lines().map(line -> line.split(" ")[1])
                        .map(address -> Integer.parseInt(address.substring(address.indexOf(':') + 1,
                                address.indexOf('@'))))
                        .collect(Collectors.toSet());
                assertThat(listed).containsExactlyInAnyOrderElementsOf(
                        nodes.stream().map(RedisServer::port).toList());

                // Step 2: section 6 on every node, CURRENT removed node by node, each node checked after
                cluster.addPassword(app, next);
                data.set(Credential.of(app, current), Credential.of(app, next));
                client.rotation().refresh();
                for (RedisServer node : nodes) {
                    node.removePassword(app, current);
                    RedisTarget target = target("node-" + node.port(), node);
                    boolean first = node == nodes.get(0);
                    if (first) {
                        client.rotation().evictConnections();
                        awaitSlot(client.rotation(), Slot.NEXT);
                    }
                    Object info = (first ? procedure.redis("state", target) : procedure.redisAgain("state", target))
                            .get(0).get(0);
                    assertThat((String) info).contains("cluster_state:ok");
                    Object log = (first ? procedure.redis("acl-log", target) : procedure.redisAgain("acl-log", target))
                            .get(0).get(0);
                    assertThat(authFailures(log, app)).as("rejected logins on " + node.port()).isLessThanOrEqualTo(1);
                    load.awaitProgress(50);
                }
                procedure.finish();
                SecretRotationProcedureTest.finish(load);
            }
        }
    }

    /** The replicas log in to the primary, and the Sentinels to the data nodes, as {@code user}. */
    private static void useForReplicationAndSentinels(RedisSentinelTopology topology, String user, String password) {
        topology.setUser(user, password);
        for (RedisServer node : topology.dataNodes()) {
            node.execute("CONFIG", "SET", "masteruser", user);
            node.execute("CONFIG", "SET", "masterauth", password);
        }
        topology.onEverySentinel(sentinel -> {
            sentinel.execute("SENTINEL", "SET", RedisSentinelTopology.MASTER_NAME, "auth-user", user);
            sentinel.execute("SENTINEL", "SET", RedisSentinelTopology.MASTER_NAME, "auth-pass", password);
        });
        RedisServer replica = topology.replica();
        replica.execute("CLIENT", "KILL", "TYPE", "master");
        await("the replica to replicate as " + user).atMost(Fleet.PATIENCE)
                .until(() -> ((String) replica.execute("INFO", "replication")).contains("master_link_status:up"));
    }

    private static RedisTarget target(String name, RedisServer server) {
        return RedisTarget.of(name, server::execute);
    }

    private static String roleOf(List<List<Object>> replies) {
        return String.valueOf(((List<?>) replies.get(0).get(0)).get(0));
    }

    private static void awaitSlot(RotationControl rotation, Slot slot) {
        await("the switch to " + slot).atMost(Fleet.PATIENCE).until(() -> rotation.status().activeSlot() == slot);
    }

    private static List<Fleet.Operation> setAndGet(UnifiedJedis client, String prefix) {
        List<Fleet.Operation> operations = new ArrayList<>();
        AtomicLong counter = new AtomicLong();
        for (int i = 0; i < LOAD_THREADS; i++) {
            String key = prefix + "-" + RUN + "-" + i;
            operations.add(() -> {
                String value = Long.toString(counter.incrementAndGet());
                client.set(key, value);
                client.get(key);
            });
        }
        return operations;
    }

    private static java.sql.Connection noSql() {
        throw new IllegalStateException("the Sentinel and Cluster procedures have no SQL");
    }

    /** A secret store the test changes as an operator would. */
    private static final class MutableSource implements CredentialSource {

        private final AtomicReference<CredentialSet> set;

        MutableSource(Credential current) {
            this.set = new AtomicReference<>(CredentialSet.of(current));
        }

        void set(Credential current, Credential next) {
            set.set(CredentialSet.of(current, next));
        }

        @Override
        public CredentialSet load() {
            return set.get();
        }

        @Override
        public String description() {
            return "runbook-test-store";
        }
    }
}
