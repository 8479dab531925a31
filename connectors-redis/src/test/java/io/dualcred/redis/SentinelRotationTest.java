package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static io.dualcred.redis.TopologyFixtures.THREADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.TopologyFixtures.Client;
import io.dualcred.redis.TopologyFixtures.Commands;
import io.dualcred.redis.TopologyFixtures.KeySpace;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisSentinelTopology;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Password rotation on a real Sentinel-managed primary with one replica and three Sentinels, under a load of 16
 * threads, for each Sentinel flavour. One topology for the class (starting it costs a few seconds); every test has
 * its own ACL users and finds the primary wherever the previous failover left it.
 */
// The topology clients need Jedis 7.2.0 or later: the version-range build on Jedis 6.0.0 leaves this tag out, and
// TopologyBuilderTest checks there that the builder names the version it needs. The RedisClient range run on Jedis
// 7.2.0 leaves out redis-topology too, to keep CI within its time (they were run on 7.2.0 by hand when written).
@Tag("jedis-redis-client")
@Tag("redis-topology")
class SentinelRotationTest {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelRotationTest.class);
    private static RedisSentinelTopology topology;

    /** The Jedis Sentinel clients, built by the same builder. */
    enum Flavour {
        REDIS_SENTINEL_CLIENT, JEDIS_SENTINEL_POOL;

        Client build(MutableSource source, MutableSource sentinelSource) {
            SentinelBuilder builder = DualCredentialRedis.builder()
                    .credentialSource(source)
                    .maxTotal(THREADS)
                    .maxIdle(THREADS)
                    .timeout(Duration.ofSeconds(10))
                    .sentinel(RedisSentinelTopology.MASTER_NAME, topology.sentinelAddresses());
            if (sentinelSource != null) {
                builder.sentinelCredentialSource(sentinelSource);
            }
            if (this == REDIS_SENTINEL_CLIENT) {
                DualCredentialRedisSentinelClient client = builder.buildClient();
                return new Client(Commands.of(client.client()), client.rotation(), client.sentinelRotation(), client);
            }
            DualCredentialJedisSentinelPool pool = builder.buildPool();
            return new Client(Commands.of(pool), pool.rotation(), pool.sentinelRotation(), pool);
        }
    }

    @BeforeAll
    static void start() {
        topology = RedisSentinelTopology.startNew();
    }

    @AfterAll
    static void stop() {
        if (topology != null) {
            topology.close();
        }
    }

    /**
     * The runbook's order on both data nodes: NEXT added on each, then CURRENT removed from the primary first and
     * the replica after a pause. The primary's rejection makes the client switch once; nothing fails.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void nodeByNodeRotationFailsNoCommand(Flavour flavour) throws Exception {
        Account app = Account.create("sentineled", topology::setUser);
        String user = app.user();
        List<RedisServer> nodes = List.of(topology.primary(), topology.replica());

        try (Client client = flavour.build(app.source(), null);
             Load load = Load.start("sentinel-" + flavour, THREADS, new KeySpace(flavour.name()).setAndGet(
                     client.jedis()))) {
            load.awaitProgress(2_000);
            TopologyFixtures.rotateNodeByNode(flavour.name(), nodes, app, client, load);
            load.awaitProgress(1_000);
            load.close();

            Map<Integer, Long> rejected = TopologyFixtures.rejectedLoginsPerNode(nodes, user);
            LOG.info("{}: {} commands, {} failed, rejected logins per node {}", flavour, load.successes(),
                    load.failures(), rejected);
            assertThat(load.failureSamples()).as("failed commands").isEmpty();
            assertThat(rejected.values()).as("rejected logins per node pool").allMatch(count -> count <= 1);
            assertThat(client.rotation().status().counters().switches()).isEqualTo(1);
        }
    }

    /**
     * A failover while the rotation is half done (NEXT on both data nodes and in the store, CURRENT still
     * accepted): the client follows the new primary with the credential it had, and only failover errors reach the
     * callers, as with a plain client. Finishing the rotation afterwards switches once.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void failoverMidRotationNeverChangesTheCredential(Flavour flavour) throws Exception {
        Account app = Account.create("failover", topology::setUser);
        String user = app.user();

        try (Client client = flavour.build(app.source(), null);
             Load load = Load.start("failover-" + flavour, THREADS, new KeySpace("f" + flavour).setAndGet(
                     client.jedis()))) {
            load.awaitProgress(2_000);
            topology.addPassword(user, app.next());
            app.stageNext();
            client.rotation().refresh();

            RedisServer oldPrimary = topology.primary();
            RedisServer newPrimary = topology.failover();
            long failedOver = System.nanoTime();
            await("the client to follow the failover").atMost(Duration.ofSeconds(30))
                    .until(() -> TopologyFixtures.lastClientIds(List.of(newPrimary), user).get(newPrimary.port()) > 0);
            load.awaitProgress(2_000);
            LOG.info("{}: load resumed on the new primary within {} ms", flavour,
                    (System.nanoTime() - failedOver) / 1_000_000);
            assertThat(client.rotation().status().counters().switches()).as("switches caused by the failover")
                    .isZero();
            assertThat(client.rotation().status().activeSlot()).isEqualTo(Slot.CURRENT);
            await("the former primary's connections to be closed").atMost(Duration.ofSeconds(10))
                    .until(() -> RedisFixtures.clientsOf(oldPrimary, user).isEmpty());

            topology.removePassword(user, app.current());
            client.rotation().evictConnections();
            await("the switch to NEXT").atMost(Duration.ofSeconds(10))
                    .until(() -> client.rotation().status().activeSlot() == Slot.NEXT);
            load.awaitProgress(1_000);
            load.close();

            LOG.info("{}: {} commands, {} failed (failover errors), rejected logins {}", flavour, load.successes(),
                    load.failures(), topology.authenticationFailures(user));
            assertThat(load.failureSamples()).as("only failover errors, as a plain client sees them")
                    .allMatch(SentinelRotationTest::isFailoverError);
            assertThat(client.rotation().status().counters().switches()).isEqualTo(1);
        }
    }

    /**
     * The Sentinels' own ACL password rotated while the client runs: NEXT added on every Sentinel, staged, CURRENT
     * removed and the client's Sentinel connections closed, as a revocation that disconnects would. The Sentinel
     * listeners log in again with NEXT; no command fails, and a failover afterwards is still followed.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void sentinelPasswordRotationFailsNoCommand(Flavour flavour) throws Exception {
        String user = uniqueUser("app");
        String watcher = uniqueUser("watcher");
        String current = secret("sentinel-current");
        String next = secret("sentinel-next");
        String dataPassword = secret("data");
        topology.setUser(user, dataPassword);
        topology.setSentinelUser(watcher, current);
        MutableSource sentinelSource = new MutableSource(Credential.of(watcher, current));

        try (Client client = flavour.build(new MutableSource(Credential.of(user, dataPassword)), sentinelSource);
             Load load = Load.start("sentinel-auth", THREADS, new KeySpace("s").setAndGet(client.jedis()))) {
            load.awaitProgress(2_000);
            topology.onEverySentinel(sentinel -> sentinel.addPassword(watcher, next));
            sentinelSource.set(Credential.of(watcher, current), Credential.of(watcher, next));
            topology.onEverySentinel(sentinel -> sentinel.removePassword(watcher, current));
            topology.onEverySentinel(sentinel -> sentinel.killClientsOfUser(watcher));
            RotationControl sentinels = client.sentinelRotation().orElseThrow();
            await("the Sentinel connections to log in with NEXT").atMost(Duration.ofSeconds(30))
                    .until(() -> sentinels.status().activeSlot() == Slot.NEXT);
            load.awaitProgress(1_000);
            load.close();
            assertThat(load.failureSamples()).as("failed commands").isEmpty();

            long rejected = topology.sentinels().stream().mapToLong(s -> s.authenticationFailures(watcher)).sum();
            LOG.info("Sentinel rotation: {} commands, {} failed, rejected Sentinel logins {}", load.successes(),
                    load.failures(), rejected);
            assertThat(rejected).as("rejected Sentinel logins").isBetween(1L, 3L);

            RedisServer newPrimary = topology.failover();
            await("the client to follow a failover announced over the rotated Sentinel connections")
                    .atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> "1".equals(client.jedis().setThenGet("after-sentinel-rotation", "1"))
                            && "1".equals(newPrimary.execute("GET", "after-sentinel-rotation")));
        }
    }

    private static boolean isFailoverError(Throwable failure) {
        if (TopologyFixtures.isAuthenticationError(failure)) {
            return false;
        }
        return failure instanceof JedisConnectionException
                || failure instanceof JedisDataException && String.valueOf(failure.getMessage()).startsWith("READONLY")
                || failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).startsWith("read");
    }
}
