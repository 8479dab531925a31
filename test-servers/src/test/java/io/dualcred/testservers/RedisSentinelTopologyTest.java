package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.exceptions.JedisAccessControlException;

/** One topology for the class: starting it costs a few seconds. */
class RedisSentinelTopologyTest {

    private static RedisSentinelTopology topology;

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

    @Test
    void replicatesAndAppliesUsersOnBothDataNodes() {
        String user = Names.unique("sentineled");
        topology.setUser(user, "pw");
        RedisServer primary = topology.primary();
        RedisServer replica = topology.replica();
        assertThat(primary).isNotSameAs(replica);
        assertThat(RedisSentinelTopology.role(primary)).isEqualTo("master");
        assertThat(RedisSentinelTopology.role(replica)).isEqualTo("slave");
        try (Jedis onPrimary = RedisClients.connect(primary, user, "pw");
             Jedis onReplica = RedisClients.connect(replica, user, "pw")) {
            assertThat(onPrimary.set("k", "v")).isEqualTo("OK");
            assertThat(onReplica.aclWhoAmI()).isEqualTo(user);
        }
        topology.removePassword(user, "pw");
        assertThatThrownBy(() -> RedisClients.connect(replica, user, "pw").close())
                .isInstanceOf(JedisAccessControlException.class);
        assertThat(replica.authenticationFailures(user)).isEqualTo(1);
    }

    @Test
    void sentinelsAuthenticateTheirOwnUsersAndFailoverPromotesTheReplica() {
        String user = Names.unique("app");
        String sentinelUser = Names.unique("watcher");
        topology.setUser(user, "data-pw");
        topology.setSentinelUser(sentinelUser, "sentinel-pw");
        assertThatThrownBy(() -> RedisClients.connect(topology.sentinels().get(1), sentinelUser, "wrong").close())
                .isInstanceOf(JedisAccessControlException.class);

        JedisClientConfig data = config(user, "data-pw");
        JedisClientConfig sentinels = config(sentinelUser, "sentinel-pw");
        try (RedisSentinelClient client = RedisSentinelClient.builder()
                .masterName(RedisSentinelTopology.MASTER_NAME)
                .sentinels(new HashSet<>(topology.sentinelAddresses()))
                .clientConfig(data)
                .sentinelClientConfig(sentinels)
                .build()) {
            client.set("before", "1");
            RedisServer oldPrimary = topology.primary();
            RedisServer newPrimary = topology.failover();

            assertThat(newPrimary).isNotSameAs(oldPrimary);
            assertThat(topology.primary()).isSameAs(newPrimary);
            assertThat(RedisSentinelTopology.role(oldPrimary)).isEqualTo("slave");
            org.awaitility.Awaitility.await("the client to follow the failover")
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> client.getCurrentMaster().getPort() == newPrimary.port());
            client.set("after", "2");
            assertThat(newPrimary.execute("GET", "before")).isEqualTo("1");
        }
    }

    private static JedisClientConfig config(String user, String password) {
        return DefaultJedisClientConfig.builder().user(user).password(password).protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).timeoutMillis(5_000).build();
    }
}
