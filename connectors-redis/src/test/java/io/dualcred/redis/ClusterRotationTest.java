package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static io.dualcred.redis.TopologyFixtures.THREADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.TopologyFixtures.KeySpace;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Password rotation on a real three-primary, three-replica Redis Cluster, node by node, under a load of 16 threads
 * that touches every hash slot. One cluster for the class; every test has its own ACL user.
 */
class ClusterRotationTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRotationTest.class);
    private static RedisClusterTopology cluster;

    /** Both Jedis cluster clients, built by the same builder. */
    enum Flavour {
        REDIS_CLUSTER_CLIENT, JEDIS_CLUSTER;

        Client build(MutableSource source) {
            ClusterBuilder builder = DualCredentialRedis.builder()
                    .credentialSource(source)
                    .maxTotal(THREADS)
                    .timeout(Duration.ofSeconds(10))
                    .cluster(cluster.addresses());
            if (this == REDIS_CLUSTER_CLIENT) {
                DualCredentialRedisClusterClient client = builder.buildClient();
                return new Client(client.client(), client.rotation(), client);
            }
            DualCredentialJedisCluster client = builder.buildJedisCluster();
            return new Client(client, client.rotation(), client);
        }
    }

    record Client(UnifiedJedis jedis, RotationControl rotation, AutoCloseable closeable) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            closeable.close();
        }
    }

    @BeforeAll
    static void start() {
        cluster = RedisClusterTopology.startNew();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The runbook's order: NEXT added on every node, one after another, then CURRENT removed node by node with a
     * pause after each, so that for a while some nodes accept only NEXT while others still accept CURRENT. The first
     * node that rejects CURRENT makes the client switch; every node's pool then replaces its connections before
     * CURRENT is removed there, so revoking it finds nothing stale.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void nodeByNodeRotationFailsNoCommandAndCostsAtMostOneRejectedLoginPerNodePool(Flavour flavour)
            throws Exception {
        String user = uniqueUser("cluster");
        String current = secret("current");
        String next = secret("next");
        cluster.setUser(user, current);
        MutableSource source = new MutableSource(Credential.of(user, current));
        List<RedisServer> nodes = cluster.nodes();
        KeySpace keys = new KeySpace(flavour.name());

        try (Client client = flavour.build(source);
             Load load = Load.start("cluster-" + flavour, THREADS, keys.setAndGet(client.jedis()))) {
            load.awaitProgress(2_000);
            for (RedisServer node : nodes) {
                node.addPassword(user, next);
                load.awaitProgress(200);
            }
            source.set(Credential.of(user, current), Credential.of(user, next));
            Map<Integer, Long> lastIdsBefore = TopologyFixtures.lastClientIds(nodes, user);

            long removedFirst = System.nanoTime();
            for (RedisServer node : nodes) {
                node.removePassword(user, current);
                if (node == nodes.get(0)) {
                    // Nothing makes a new connection while the pools hold all they need: roll them, as an
                    // operator would after the first node (the runbook's "evict" step).
                    client.rotation().evictConnections();
                    await("the switch to NEXT").atMost(Duration.ofSeconds(10))
                            .until(() -> client.rotation().status().activeSlot() == Slot.NEXT);
                    LOG.info("{}: switched {} ms after CURRENT was removed on the first node", flavour,
                            (System.nanoTime() - removedFirst) / 1_000_000);
                }
                load.awaitProgress(300);
            }
            await("every node pool to replace its connections from before the switch")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> TopologyFixtures.allConnectionsNewerThan(nodes, user, lastIdsBefore));
            LOG.info("{}: every connection replaced {} ms after CURRENT was removed on the first node", flavour,
                    (System.nanoTime() - removedFirst) / 1_000_000);
            await("every slot touched").atMost(Duration.ofSeconds(30))
                    .until(() -> keys.slotsTouched() == TopologyFixtures.SLOTS);
            load.awaitProgress(1_000);
            load.close();

            Map<Integer, Long> rejected = TopologyFixtures.rejectedLoginsPerNode(nodes, user);
            LOG.info("{}: {} commands, {} failed, rejected logins per node {}", flavour, load.successes(),
                    load.failures(), rejected);
            assertThat(load.failureSamples()).as("failed commands").isEmpty();
            assertThat(load.failures()).isZero();
            assertThat(rejected.values()).as("rejected logins per node pool").allMatch(count -> count <= 1);
            assertThat(rejected.values().stream().mapToLong(Long::longValue).sum()).isPositive();
            assertThat(client.rotation().status().counters().switches()).isEqualTo(1);
        }
    }
}
