package io.dualcred.redis;

import io.dualcred.redis.RedisFixtures.Operation;
import io.dualcred.testservers.RedisServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/** Shared pieces of the Sentinel and Cluster tests: a key per hash slot, slot coverage, per-node counts. */
final class TopologyFixtures {

    static final int SLOTS = 16_384;
    static final int THREADS = 16;

    private TopologyFixtures() {
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
        Operation setAndGet(UnifiedJedis client) {
            return (worker, iteration) -> {
                int slot = (int) ((worker * (SLOTS / THREADS) + iteration) % SLOTS);
                String key = keys[slot] + ":" + worker;
                String value = worker + ":" + iteration;
                client.set(key, value);
                String read = client.get(key);
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
}
