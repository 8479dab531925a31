package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.TopologyFixtures.THREADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.TopologyFixtures.Client;
import io.dualcred.redis.TopologyFixtures.Commands;
import io.dualcred.redis.TopologyFixtures.KeySpace;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password rotation on a real three-primary, three-replica Redis Cluster, node by node, under a load of 16 threads
 * that touches every hash slot. One cluster for the class; every test has its own ACL user.
 */
// The topology clients need Jedis 7.2.0 or later: the version-range build on Jedis 6.0.0 leaves this tag out, and
// TopologyBuilderTest checks there that the builder names the version it needs. The RedisClient range run on Jedis
// 7.2.0 leaves out redis-topology too, to keep CI within its time (they were run on 7.2.0 by hand when written).
@Tag("jedis-redis-client")
@Tag("redis-topology")
class ClusterRotationTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRotationTest.class);
    private static RedisClusterTopology cluster;

    /** Both Jedis cluster clients, built by the same builder. */
    enum Flavour {
        REDIS_CLUSTER_CLIENT, JEDIS_CLUSTER;

        Client build(MutableSource source) {
            return build(source, Duration.ofSeconds(10));
        }

        Client build(MutableSource source, Duration timeout) {
            return build(source, timeout, RotationConfig.ofDefaults());
        }

        Client build(MutableSource source, Duration timeout, RotationConfig rotation) {
            ClusterBuilder builder = DualCredentialRedis.builder()
                    .credentialSource(source)
                    .rotation(rotation)
                    .maxTotal(THREADS)
                    .maxIdle(THREADS)
                    .timeout(timeout)
                    .cluster(cluster.addresses());
            if (this == REDIS_CLUSTER_CLIENT) {
                DualCredentialRedisClusterClient client = builder.buildClient();
                return new Client(Commands.of(client.client()), client.rotation(), Optional.empty(), client);
            }
            DualCredentialJedisCluster client = builder.buildJedisCluster();
            return new Client(Commands.of(client), client.rotation(), Optional.empty(), client);
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
        Account app = Account.create("cluster", cluster::setUser);
        String user = app.user();
        // Primaries first: the first node to lose CURRENT must be one the client talks to, so that it switches.
        List<RedisServer> nodes = new ArrayList<>(cluster.primaries());
        nodes.addAll(cluster.replicas());
        KeySpace keys = new KeySpace(flavour.name());

        try (Client client = flavour.build(app.source());
             Load load = Load.start("cluster-" + flavour, THREADS, keys.setAndGet(client.jedis()))) {
            load.awaitProgress(2_000);
            TopologyFixtures.rotateNodeByNode(flavour.name(), nodes, app, client, load);
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

    /**
     * A {@code CLUSTER FAILOVER} while the rotation is half done (NEXT on every node and in the store, CURRENT still
     * accepted): the client follows the new slot owner with the credential it had; finishing the rotation switches
     * once. Whatever fails is what a plain client sees during a failover, never an authentication error.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void clusterFailoverMidRotationNeverChangesTheCredential(Flavour flavour) throws Exception {
        Account app = Account.create("failover", cluster::setUser);
        String user = app.user();

        try (Client client = flavour.build(app.source());
             Load load = Load.start("failover-" + flavour, THREADS, new KeySpace("f" + flavour).setAndGet(
                     client.jedis()))) {
            load.awaitProgress(2_000);
            cluster.addPassword(user, app.next());
            app.stageNext();
            client.rotation().refresh();

            RedisServer promoted = cluster.failover(cluster.replicaOf(cluster.primaries().get(0)));
            long failedOver = System.nanoTime();
            await("the client to use the promoted node").atMost(Duration.ofSeconds(30))
                    .until(() -> TopologyFixtures.lastClientIds(List.of(promoted), user).get(promoted.port()) > 0);
            load.awaitProgress(2_000);
            LOG.info("{}: load on the promoted node within {} ms", flavour, (System.nanoTime() - failedOver) / 1_000_000);
            assertThat(client.rotation().status().counters().switches()).as("switches caused by the failover")
                    .isZero();
            assertThat(client.rotation().status().activeSlot()).isEqualTo(Slot.CURRENT);

            cluster.removePassword(user, app.current());
            client.rotation().evictConnections();
            await("the switch to NEXT").atMost(Duration.ofSeconds(10))
                    .until(() -> client.rotation().status().activeSlot() == Slot.NEXT);
            load.awaitProgress(1_000);
            load.close();

            Map<Integer, Long> rejected = TopologyFixtures.rejectedLoginsPerNode(cluster.nodes(), user);
            LOG.info("{}: {} commands, {} failed during the failover ({}), rejected logins per node {}", flavour,
                    load.successes(), load.failures(), TopologyFixtures.kinds(load.failureSamples()), rejected);
            assertThat(load.failureSamples()).as("only failover errors, never an authentication error")
                    .noneMatch(TopologyFixtures::isAuthenticationError);
            assertThat(rejected.values()).as("rejected logins per node pool").allMatch(count -> count <= 1);
            assertThat(client.rotation().status().counters().switches()).isEqualTo(1);
        }
    }

    /**
     * One primary rejects every credential (its user was reset, and its connections dropped, as after a restart
     * with a stale ACL file): commands for its slots fail with an error naming that node; the other primaries keep
     * serving theirs, and the credential does not change. Only the logins to that node back off: when another
     * primary's connections are dropped meanwhile, its pool logs in again at once with the active credential.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void aNodeRejectingEveryCredentialIsNamedAndTheOthersKeepWorking(Flavour flavour) throws Exception {
        Account app = Account.create("forgotten", cluster::setUser);
        String user = app.user();
        KeySpace keys = new KeySpace("x" + flavour);

        // A long first backoff step, so that the healthy primary's new logins below fall inside it.
        RotationConfig longBackoff = RotationConfig.custom()
                .backoff(Duration.ofSeconds(60), 2.0, Duration.ofSeconds(60)).build();
        try (Client client = flavour.build(app.source(), Duration.ofSeconds(10), longBackoff);
             Load load = Load.start("forgotten-" + flavour, THREADS, keys.setAndGet(client.jedis()))) {
            load.awaitProgress(5_000);
            RedisServer forgotten = cluster.primaries().get(0);
            forgotten.setUser(user, secret("someone-elses"));
            forgotten.killClientsOfUser(user);

            await("commands for the forgotten node's slots to fail").atMost(Duration.ofSeconds(10))
                    .until(() -> load.failures() > 0);
            long successesBefore = load.successes();
            RedisServer healthy = cluster.primaries().get(1);
            long newestBeforeKill = healthy.clients().stream().mapToLong(RedisServer.ClientInfo::id).max().orElse(0);
            assertThat(healthy.killClientsOfUser(user)).as("connections dropped on a healthy primary").isPositive();
            await("the healthy primary's pool to log in again while the forgotten node backs off")
                    .atMost(Duration.ofSeconds(10)).until(() -> healthy.clients().stream()
                            .anyMatch(c -> user.equals(c.user()) && c.id() > newestBeforeKill));
            load.awaitProgress(2_000);
            load.close();

            String node = forgotten.host() + ":" + forgotten.port();
            List<Throwable> failures = load.failureSamples();
            LOG.info("{}: {} commands succeeded after the node went wrong ({} before), {} failed; first: {}", flavour,
                    load.successes() - successesBefore, successesBefore, load.failures(), failures.get(0).toString());
            assertThat(failures).as("every failure is the rejection, naming the node")
                    .allSatisfy(failure -> assertThat(TopologyFixtures.rejection(failure)).isNotNull()
                            .satisfies(rejected -> assertThat(rejected.node()).contains(node))
                            .satisfies(rejected -> assertThat(rejected.getMessage()).contains(node)));
            assertThat(client.rotation().status().activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(client.rotation().status().counters().switches()).isZero();
            assertThat(TopologyFixtures.rejectedLoginsPerNode(cluster.nodes(), user).get(forgotten.port()))
                    .as("rejected logins on the forgotten node: one round in one backoff step").isBetween(1L, 2L);
            assertThat(TopologyFixtures.rejectedLoginsPerNode(cluster.nodes(), user).get(healthy.port()))
                    .as("rejected logins on the healthy primary").isZero();
        } finally {
            cluster.nodes().forEach(n -> n.deleteUser(user));
        }
    }

    /**
     * A primary that disappears (stopped) and comes back (started again, as a replica of the node promoted in its
     * place): the commands for its slots fail as with a plain client until the cluster has promoted its replica, and
     * the credential never changes; no login is rejected anywhere.
     */
    @Test
    void aPrimaryThatDisappearsAndComesBackNeverChangesTheCredential() throws Exception {
        Account app = Account.create("disappears", cluster::setUser);
        // Short timeouts, so that Jedis gives up on the vanished node within seconds, as a service would be set up.
        try (Client client = Flavour.REDIS_CLUSTER_CLIENT.build(app.source(), Duration.ofSeconds(1));
             Load load = Load.start("disappears", THREADS, new KeySpace("d").setAndGet(client.jedis()))) {
            load.awaitProgress(2_000);
            RedisServer victim = cluster.primaries().get(0);
            RedisServer heir = cluster.replicaOf(victim);

            victim.stop();
            try {
                await("the cluster to promote the replica of the stopped primary").atMost(Duration.ofSeconds(30))
                        .until(() -> cluster.primaries().contains(heir));
                load.awaitProgress(2_000);
            } finally {
                victim.start();
            }
            cluster.awaitHealthy();
            load.awaitProgress(2_000);
            load.close();

            LOG.info("primary gone and back: {} commands, {} failed while it was gone ({}), rejected logins per node "
                    + "{}", load.successes(), load.failures(), TopologyFixtures.kinds(load.failureSamples()),
                    TopologyFixtures.rejectedLoginsPerNode(cluster.nodes(), app.user()));
            assertThat(load.failureSamples()).as("only the errors of a vanished node, never an authentication error")
                    .noneMatch(TopologyFixtures::isAuthenticationError);
            assertThat(client.rotation().status().counters().switches()).isZero();
            assertThat(client.rotation().status().counters().rejectedLogins()).isZero();
            assertThat(TopologyFixtures.rejectedLoginsPerNode(cluster.nodes(), app.user()).values())
                    .allMatch(count -> count == 0);
        }
    }
}
