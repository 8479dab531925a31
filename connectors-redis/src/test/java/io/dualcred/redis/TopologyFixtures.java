package io.dualcred.redis;

import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Operation;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

/**
 * Shared pieces of the Sentinel and Cluster tests: the client under test, a key per hash slot, the runbook's
 * node-by-node rotation, per-node counts.
 */
final class TopologyFixtures {

    static final int SLOTS = 16_384;
    static final int THREADS = 16;
    private static final Logger LOG = LoggerFactory.getLogger(TopologyFixtures.class);

    private TopologyFixtures() {
    }

    /** One SET then GET, on whichever Jedis type is under test. */
    @FunctionalInterface
    interface Commands {
        /** @return what GET read back after the SET */
        String setThenGet(String key, String value);

        static Commands of(UnifiedJedis client) {
            return (key, value) -> {
                client.set(key, value);
                return client.get(key);
            };
        }

        static Commands of(Pool<Jedis> pool) {
            return (key, value) -> {
                try (Jedis jedis = pool.getResource()) {
                    jedis.set(key, value);
                    return jedis.get(key);
                }
            };
        }
    }

    /** A client under test, whichever Jedis type it is, with its rotation controls. */
    record Client(Commands jedis, RotationControl rotation, Optional<RotationControl> sentinelRotation,
                  AutoCloseable closeable) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            closeable.close();
        }
    }

    /**
     * The runbook's order under load: NEXT added on every node, one after another with a pause; NEXT staged in the
     * store; CURRENT removed node by node with a pause after each, so that for a while some nodes accept only NEXT
     * while others still accept CURRENT. After the first removal the pools are rolled (the runbook's "evict" step):
     * that node rejects CURRENT once and the client switches. Returns once every node holds only connections made
     * after the switch.
     */
    static void rotateNodeByNode(String label, List<RedisServer> nodes, RedisFixtures.Account app, Client client,
                                 RedisFixtures.Load load) {
        String user = app.user();
        for (RedisServer node : nodes) {
            node.addPassword(user, app.next());
            load.awaitProgress(200);
        }
        app.stageNext();
        Map<Integer, Long> lastIdsBefore = lastClientIds(nodes, user);
        long removedFirst = System.nanoTime();
        for (RedisServer node : nodes) {
            node.removePassword(user, app.current());
            if (node == nodes.get(0)) {
                client.rotation().evictConnections();
                await("the switch to NEXT").atMost(Duration.ofSeconds(10))
                        .until(() -> client.rotation().status().activeSlot() == Slot.NEXT);
                LOG.info("{}: switched {} ms after CURRENT was removed on the first node", label,
                        (System.nanoTime() - removedFirst) / 1_000_000);
            }
            load.awaitProgress(300);
        }
        await("every node pool to replace its connections from before the switch").atMost(Duration.ofSeconds(20))
                .until(() -> allConnectionsNewerThan(nodes, user, lastIdsBefore));
        LOG.info("{}: every connection replaced {} ms after CURRENT was removed on the first node", label,
                (System.nanoTime() - removedFirst) / 1_000_000);
    }

    /** One key per hash slot, so that a load walking them touches every slot of a cluster. */
    static final class KeySpace {

        private final String[] keys = new String[SLOTS];
        private final AtomicIntegerArray touched = new AtomicIntegerArray(SLOTS);
        private final AtomicLong slotsTouched = new AtomicLong();

        KeySpace(String prefix) {
            int found = 0;
            for (int i = 0; found < SLOTS; i++) {
                String key = prefix + "{" + i + "}";
                int slot = JedisClusterCRC16.getSlot(key);
                if (keys[slot] == null) {
                    keys[slot] = key;
                    found++;
                }
            }
        }

        /**
         * SET then GET, each thread walking the slots from its own offset, so that 16 threads spread over every
         * node and every slot; each thread has its own key in every slot (the hash tag keeps the slot).
         */
        Operation setAndGet(Commands client) {
            return (worker, iteration) -> {
                int slot = (int) ((worker * (SLOTS / THREADS) + iteration) % SLOTS);
                String key = keys[slot] + ":" + worker;
                String value = worker + ":" + iteration;
                String read = client.setThenGet(key, value);
                if (!Objects.equals(value, read)) {
                    throw new IllegalStateException("read back " + read + ", expected " + value);
                }
                if (touched.getAndSet(slot, 1) == 0) {
                    slotsTouched.incrementAndGet();
                }
            };
        }

        long slotsTouched() {
            return slotsTouched.get();
        }
    }

    /** @return the rejected logins of {@code user} per node ({@code ACL LOG}), keyed by port */
    static Map<Integer, Long> rejectedLoginsPerNode(List<RedisServer> nodes, String user) {
        Map<Integer, Long> rejected = new HashMap<>();
        for (RedisServer node : nodes) {
            rejected.put(node.port(), node.authenticationFailures(user));
        }
        return rejected;
    }

    /** @return the highest client id of {@code user} on each node, keyed by port, {@code 0} for none */
    static Map<Integer, Long> lastClientIds(List<RedisServer> nodes, String user) {
        Map<Integer, Long> ids = new HashMap<>();
        for (RedisServer node : nodes) {
            ids.put(node.port(), RedisFixtures.clientsOf(node, user).stream()
                    .mapToLong(RedisServer.ClientInfo::id).max().orElse(0));
        }
        return ids;
    }

    /** @return whether every connection of {@code user} on every node was made after {@code lastIds} */
    static boolean allConnectionsNewerThan(List<RedisServer> nodes, String user, Map<Integer, Long> lastIds) {
        for (RedisServer node : nodes) {
            long last = lastIds.getOrDefault(node.port(), 0L);
            if (RedisFixtures.clientsOf(node, user).stream().anyMatch(c -> c.id() <= last)) {
                return false;
            }
        }
        return true;
    }

    /** @return how many connections of {@code user} each node holds that were made up to {@code lastIds} */
    static List<String> staleConnections(List<RedisServer> nodes, String user, Map<Integer, Long> lastIds) {
        List<String> stale = new ArrayList<>();
        for (RedisServer node : nodes) {
            long last = lastIds.getOrDefault(node.port(), 0L);
            RedisFixtures.clientsOf(node, user).stream().filter(c -> c.id() <= last)
                    .forEach(c -> stale.add(node.port() + "#" + c.id()));
        }
        return stale;
    }

    /** @return whether the failure is, or was caused by, Redis refusing a login or a command for its credentials */
    static boolean isAuthenticationError(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof JedisAccessControlException) {
                return true;
            }
        }
        return false;
    }

    /** @return the dual-credential rejection in the failure's causes, or {@code null} */
    static RedisCredentialsRejectedException rejection(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RedisCredentialsRejectedException rejected) {
                return rejected;
            }
        }
        return null;
    }

    /** @return the distinct kinds of failures, for a log line: exception class and the start of the message */
    static java.util.Set<String> kinds(List<Throwable> failures) {
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (Throwable failure : failures) {
            String message = String.valueOf(failure.getMessage());
            kinds.add(failure.getClass().getSimpleName() + ": " + message.substring(0, Math.min(60, message.length())));
        }
        return kinds;
    }
}
