package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdminUrlTest {

    @Test
    void readsALibpqStylePostgresUrlAndKeepsThePasswordOutOfTheJdbcUrl() {
        PostgresTarget.AdminUrl url =
                PostgresTarget.parseUrl("postgresql://admin:s%40cret@db.staging:6543/app?sslmode=require");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.staging:6543/app?sslmode=require");
        assertThat(url.user()).isEqualTo("admin");
        assertThat(url.password()).isEqualTo("s@cret");
        assertThat(url.toString()).isEqualTo("db.staging:6543/app").doesNotContain("cret");
    }

    @Test
    void readsAJdbcUrlWithCredentialParameters() {
        PostgresTarget.AdminUrl url = PostgresTarget.parseUrl(
                "jdbc:postgresql://db:5432/app?user=admin&password=secret&ApplicationName=x");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/app?ApplicationName=x");
        assertThat(url.user()).isEqualTo("admin");
        assertThat(url.password()).isEqualTo("secret");
    }

    @Test
    void refusesAPostgresUrlWithoutAdminCredentialsWithoutRepeatingIt() {
        assertThatThrownBy(() -> PostgresTarget.parseUrl("postgresql://pg-host-7/app"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("admin user and password")
                .hasMessageNotContaining("pg-host-7");
    }

    @Test
    void readsRedisUrlsForAclAndDefaultUsers() {
        RedisTarget.AdminUrl acl = RedisTarget.parseUrl("rediss://ops:pw@cache.staging:6380/2");
        RedisTarget.AdminUrl legacy = RedisTarget.parseUrl("redis://:pw@cache");

        assertThat(acl).extracting(RedisTarget.AdminUrl::host, RedisTarget.AdminUrl::port,
                RedisTarget.AdminUrl::database, RedisTarget.AdminUrl::ssl, RedisTarget.AdminUrl::user)
                .containsExactly("cache.staging", 6380, 2, true, "ops");
        assertThat(acl.toString()).isEqualTo("cache.staging:6380/2 (TLS)");
        assertThat(legacy.user()).isEqualTo("default");
        assertThat(legacy.password()).isEqualTo("pw");
        assertThat(legacy.port()).isEqualTo(6379);
    }

    @Test
    void readsSentinelAndClusterUrls() {
        RedisTarget.AdminUrl sentinel = RedisTarget.parseUrl(
                "redis://ops:p%40ss@s1.staging,s2.staging:26380,[::1]:26381/orders-primary", RedisTarget.Topology.SENTINEL);
        RedisTarget.AdminUrl ownSentinelUser = RedisTarget.parseUrl(
                "redis://ops:pw@s1/m?sentinel-user=watcher&sentinel-password=spw", RedisTarget.Topology.SENTINEL);
        RedisTarget.AdminUrl openSentinels = RedisTarget.parseUrl("redis://ops:pw@s1/m?sentinel-password=",
                RedisTarget.Topology.SENTINEL);
        RedisTarget.AdminUrl cluster = RedisTarget.parseUrl("rediss://ops:pw@n1:7000,n2:7001",
                RedisTarget.Topology.CLUSTER);

        assertThat(sentinel.nodes()).extracting(Object::toString)
                .containsExactly("s1.staging:26379", "s2.staging:26380", "::1:26381");
        assertThat(sentinel.masterName()).isEqualTo("orders-primary");
        assertThat(sentinel.password()).isEqualTo("p@ss");
        assertThat(sentinel).extracting(RedisTarget.AdminUrl::sentinelUser, RedisTarget.AdminUrl::sentinelPassword)
                .as("the data nodes' admin logs in to the Sentinels too").containsExactly("ops", "p@ss");
        assertThat(sentinel.toString()).doesNotContain("p@ss").contains("orders-primary");
        assertThat(ownSentinelUser).extracting(RedisTarget.AdminUrl::sentinelUser,
                RedisTarget.AdminUrl::sentinelPassword).containsExactly("watcher", "spw");
        assertThat(openSentinels.sentinelPassword()).isNull();
        assertThat(cluster.nodes()).extracting(Object::toString).containsExactly("n1:7000", "n2:7001");
        assertThat(cluster).extracting(RedisTarget.AdminUrl::topology, RedisTarget.AdminUrl::ssl,
                RedisTarget.AdminUrl::database).containsExactly(RedisTarget.Topology.CLUSTER, true, 0);
        assertThat(cluster.toString()).isEqualTo("cluster via n1:7000,n2:7001 (TLS)");
    }

    @Test
    void refusesRedisUrlsThatDoNotFitTheTopology() {
        assertThatThrownBy(() -> RedisTarget.parseUrl("redis://ops:secret-7@a:6379,b:6379"))
                .hasMessageContaining("2 hosts").hasMessageContaining("--topology").hasMessageNotContaining("secret-7");
        assertThatThrownBy(() -> RedisTarget.parseUrl("redis://ops:secret-7@s1:26379", RedisTarget.Topology.SENTINEL))
                .hasMessageContaining("name the Sentinels monitor the primary under")
                .hasMessageNotContaining("secret-7");
        assertThatThrownBy(() -> RedisTarget.parseUrl("redis://ops:secret-7@n1/3", RedisTarget.Topology.CLUSTER))
                .hasMessageContaining("database 0 only");
        assertThatThrownBy(() -> RedisTarget.parseUrl("redis://ops:pw@n1?sentinel-user=x",
                RedisTarget.Topology.CLUSTER)).hasMessageContaining("unknown parameter 'sentinel-user'");
        assertThatThrownBy(() -> RedisTarget.parseUrl("redis://ops:pw@n1:port", RedisTarget.Topology.CLUSTER))
                .hasMessageContaining("port that is not a number");
    }

    @Test
    void findsEveryClusterNodeThatIsUp() {
        String listing = String.join("\n",
                "07c3 127.0.0.1:30004@40004 slave e7d1 0 1426238317239 4 connected",
                "67ed 127.0.0.1:30002@40002,node-2.example master - 0 1426238316232 2 connected 5461-10922",
                "292f 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460",
                "6ec2 127.0.0.1:30005@40005 master,fail e7d1 1426238316232 1426238314227 5 disconnected",
                "824f :0@0 slave,noaddr 67ed 0 0 0 disconnected", "");

        assertThat(RedisTarget.clusterNodes(listing)).extracting(Object::toString)
                .containsExactly("127.0.0.1:30004", "127.0.0.1:30002", "127.0.0.1:30001");
    }

    @Test
    void refusesOtherSchemes() {
        assertThatThrownBy(() -> RedisTarget.parseUrl("http://cache:6379"))
                .hasMessageContaining("redis://");
        assertThatThrownBy(() -> PostgresTarget.parseUrl("mysql://a:b@db/app"))
                .hasMessageContaining("postgresql://");
    }
}
