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
    void refusesOtherSchemes() {
        assertThatThrownBy(() -> RedisTarget.parseUrl("http://cache:6379"))
                .hasMessageContaining("redis://");
        assertThatThrownBy(() -> PostgresTarget.parseUrl("mysql://a:b@db/app"))
                .hasMessageContaining("postgresql://");
    }
}
