package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.clientsOf;
import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** {@code CLIENT LIST} shows which version of the credential each connection logged in with, after the app's name. */
class SessionTagTest {

    private final RedisServer server = RedisServer.shared();

    @Test
    void theClientNameShowsTheVersionOfTheCredentialEachConnectionUsedAndFollowsThePromotion() throws Exception {
        String user = uniqueUser("tag");
        String current = secret("current");
        String next = secret("next");
        server.setUser(user, current, next);
        MutableSource source = new MutableSource(Credential.of(user, current).withVersion("6"));

        try (DualCredentialJedisPool pool = DualCredentialRedis.builder()
                .hostAndPort(server.host(), server.port()).credentialSource(source).clientName("orders-cache")
                .rotation(RotationConfig.custom().replacementWindow(Duration.ofMillis(200)).build())
                .buildPool()) {
            try (Jedis jedis = pool.getResource()) {
                assertThat(jedis.ping()).isEqualTo("PONG");
            }
            assertThat(clientsOf(server, user)).extracting(RedisServer.ClientInfo::name)
                    .containsExactly("orders-cache[dualcred:v6]");

            source.set(Credential.of(user, next).withVersion("7"));
            pool.rotation().refresh();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(clientsOf(server, user))
                    .extracting(RedisServer.ClientInfo::name).containsExactly("orders-cache[dualcred:v7]"));
        }
    }

    @Test
    void withTaggingOffTheClientNameIsTheApplicationsOwn() throws Exception {
        String user = uniqueUser("untagged");
        String current = secret("current");
        server.setUser(user, current);

        try (DualCredentialJedisPool pool = DualCredentialRedis.builder()
                .hostAndPort(server.host(), server.port())
                .credentialSource(new MutableSource(Credential.of(user, current).withVersion("6")))
                .clientName("orders-cache").rotation(RotationConfig.custom().tagSessions(false).build())
                .buildPool();
             Jedis jedis = pool.getResource()) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(clientsOf(server, user)).extracting(RedisServer.ClientInfo::name)
                    .containsExactly("orders-cache");
        }
    }
}
