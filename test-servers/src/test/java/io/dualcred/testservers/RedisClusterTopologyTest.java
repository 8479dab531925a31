package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.util.JedisClusterCRC16;

/** One cluster for the class: starting it costs a few seconds. */
class RedisClusterTopologyTest {

    private static RedisClusterTopology cluster;

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

    @Test
    void threePrimariesWithOneReplicaEachServeEverySlot() {
        assertThat(cluster.primaries()).hasSize(3);
        assertThat(cluster.replicas()).hasSize(3);
        for (RedisServer primary : cluster.primaries()) {
            assertThat(cluster.replicaOf(primary)).isIn(cluster.replicas());
        }
        String user = Names.unique("clustered");
        cluster.setUser(user, "pw");
        try (RedisClusterClient client = RedisClusterClient.builder()
                .nodes(new HashSet<>(cluster.addresses()))
                .clientConfig(DefaultJedisClientConfig.builder().user(user).password("pw")
                        .protocol(RedisProtocol.RESP2).clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .build()) {
            Set<Integer> slots = new HashSet<>();
            for (int i = 0; slots.size() < RedisClusterTopology.SLOTS; i++) {
                String key = "key-" + i;
                if (slots.add(JedisClusterCRC16.getSlot(key))) {
                    client.set(key, Integer.toString(i));
                }
            }
            assertThat(client.dbSize()).isEqualTo(RedisClusterTopology.SLOTS);
        }
    }

    @Test
    void clusterFailoverPromotesTheReplica() {
        RedisServer primary = cluster.primaries().get(0);
        RedisServer replica = cluster.replicaOf(primary);

        cluster.failover(replica);

        assertThat(RedisSentinelTopology.role(replica)).isEqualTo("master");
        assertThat(RedisSentinelTopology.role(primary)).isEqualTo("slave");
        assertThat(cluster.replicaOf(replica)).isSameAs(primary);
    }
}
