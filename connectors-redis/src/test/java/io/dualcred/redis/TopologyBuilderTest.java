package io.dualcred.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.internal.JedisFeatures;
import io.dualcred.rotation.Credential;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisProtocol;

/** The Sentinel and Cluster builders check their arguments and the Jedis on the class path, before connecting. */
class TopologyBuilderTest {

    private static final List<HostAndPort> NODES = List.of(new HostAndPort("127.0.0.1", 1));

    private static DualCredentialRedis.Builder builder() {
        return DualCredentialRedis.builder().credentialSource(new MutableSource(Credential.of("app", "pw")));
    }

    /** Both builds run this: the default one on a Jedis with the topology clients, the version-range one on 6.0.0. */
    @Test
    void theBuildersWorkOnAJedisWithTheTopologyClientsAndNameTheVersionTheyNeedOnAnOlderOne() {
        if (JedisFeatures.hasRedisClient()) {
            assertThat(builder().cluster(NODES)).isNotNull();
            assertThat(builder().sentinel("orders", NODES)).isNotNull();
            return;
        }
        assertThatThrownBy(() -> builder().cluster(NODES)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cluster() needs Jedis 7.2.0 or later")
                .hasMessageContaining("the class path has Jedis " + JedisFeatures.version());
        assertThatThrownBy(() -> builder().sentinel("orders", NODES)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sentinel() needs Jedis 7.2.0 or later");
    }

    @Test
    @Tag("jedis-redis-client")
    void argumentsAreCheckedAndNamed() {
        assertThatThrownBy(() -> builder().cluster(List.of())).hasMessageContaining("startNodes");
        assertThatThrownBy(() -> builder().cluster(NODES).maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> builder().database(2).cluster(NODES).buildClient())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("database 0 only");
        assertThatThrownBy(() -> builder().protocol(RedisProtocol.RESP3).cluster(NODES).buildJedisCluster())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RESP2 only");
        assertThatThrownBy(() -> builder().sentinel(" ", NODES)).hasMessageContaining("masterName");
        assertThatThrownBy(() -> builder().sentinel("orders", List.of())).hasMessageContaining("sentinels");
        assertThatThrownBy(() -> builder().protocol(RedisProtocol.RESP3).sentinel("orders", NODES).buildPool())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RESP2 only");
        assertThatThrownBy(() -> DualCredentialRedis.builder().cluster(NODES).buildClient())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("credential source");
    }
}
