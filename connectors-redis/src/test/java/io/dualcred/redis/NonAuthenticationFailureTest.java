package io.dualcred.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Failures that are not a rejected password never switch credentials and reach the caller as plain Jedis's do. */
class NonAuthenticationFailureTest {

    private final RedisServer server = RedisServer.shared();

    /** The user may log in but not SELECT: opening a connection to database 1 fails with NOPERM. */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void permissionDeniedWhileConnectingDoesNotSwitch(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();
        server.execute("ACL", "SETUSER", user, ">" + app.next(), "-select");
        app.stageNext();
        MutableSource source = app.source();

        try (Subject redis = flavour.build(RedisFixtures.builder(server, source).database(1))) {
            Throwable thrown = catchThrowable(() -> redis.get(user));

            assertThat(thrown).isInstanceOf(JedisAccessControlException.class)
                    .isNotInstanceOf(RedisCredentialsRejectedException.class)
                    .hasMessageStartingWith("NOPERM");
            assertUnchanged(redis.rotation().status());
            assertThat(source.loads()).as("source reads").isEqualTo(1);
            assertThat(server.authenticationFailures(user)).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void permissionDeniedForACommandDoesNotSwitch(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();
        server.execute("ACL", "SETUSER", user, "-flushdb");

        try (Subject redis = flavour.build(server, app.source())) {
            if (redis.closeable() instanceof DualCredentialRedisClient client) {
                assertThat(catchThrowable(() -> client.client().flushDB()))
                        .isInstanceOf(JedisAccessControlException.class).hasMessageStartingWith("NOPERM");
            } else {
                try (Jedis jedis = ((DualCredentialJedisPool) redis.closeable()).getResource()) {
                    assertThat(catchThrowable(jedis::flushDB))
                            .isInstanceOf(JedisAccessControlException.class).hasMessageStartingWith("NOPERM");
                }
            }

            assertThat(redis.get(user)).isNull();
            assertUnchanged(redis.rotation().status());
        }
    }

    /**
     * While the server is down, commands fail with connection errors, not access-control ones, and nothing is
     * switched or backed off; once it is back, commands succeed again with the same credential.
     */
    @Test
    void serverRestartNeitherSwitchesNorBlocksRecovery() throws Exception {
        try (RedisServer privateServer = RedisServer.startNew()) {
            Account app = Account.create(privateServer, "app");
            String user = app.user();
            privateServer.addPassword(user, app.next());
            app.stageNext();

            for (Flavour flavour : Flavour.tested()) {
                try (Subject redis = flavour.build(RedisFixtures.builder(privateServer, app.source())
                        .timeout(Duration.ofSeconds(2)))) {
                    redis.setAndGet().run(0, 1);

                    privateServer.stop();
                    assertThat(catchThrowable(() -> redis.setAndGet().run(0, 2)))
                            .as(flavour + " while the server is down")
                            .isInstanceOf(JedisConnectionException.class);
                    assertUnchanged(redis.rotation().status());

                    privateServer.start();
                    await().atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(JedisConnectionException.class)
                            .untilAsserted(() -> redis.setAndGet().run(0, 3));
                    assertUnchanged(redis.rotation().status());
                }
            }
            assertThat(privateServer.authenticationFailures(user)).isZero();
        }
    }

    private static void assertUnchanged(RotationStatus status) {
        assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
        assertThat(status.counters().switches()).as("switches").isZero();
        assertThat(status.counters().rejectedLogins()).as("rejected logins").isZero();
        assertThat(status.backingOff()).as("backing off").isFalse();
    }
}
