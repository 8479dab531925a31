package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.clientsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;

/**
 * Connections made before a switch or an eviction request are retired gently: idle ones at once, busy ones when
 * returned, and never lent again. Each step is checked on the server with {@code CLIENT LIST}.
 */
class EvictionTest {

    private final RedisServer server = RedisServer.shared();

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void evictionClosesIdleConnectionsNowAndBusyOnesWhenReturned(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            Lease busy = Lease.borrow(redis);
            Lease.borrow(redis).close();
            try (Lease second = Lease.borrow(redis); Lease third = Lease.borrow(redis)) {
                assertThat(second.ping() && third.ping()).isTrue();
            }
            awaitConnections(user, 3);

            redis.rotation().evictConnections();

            awaitConnections(user, 1);
            assertThat(busy.ping()).as("a busy connection keeps working until returned").isTrue();
            busy.close();
            awaitConnections(user, 0);

            try (Lease fresh = Lease.borrow(redis)) {
                assertThat(fresh.ping()).isTrue();
            }
            awaitConnections(user, 1);
            RotationStatus status = redis.rotation().status();
            assertThat(status.counters().evictions()).isEqualTo(1);
            assertThat(status.counters().switches()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void switchRetiresEveryConnectionMadeWithThePreviousPassword(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            Lease busy = Lease.borrow(redis);
            Lease.borrow(redis).close();
            awaitConnections(user, 2);

            server.addPassword(user, app.next());
            app.stageNext();
            server.removePassword(user, app.current());

            Lease idleBefore = Lease.borrow(redis);
            Lease madeAfter = Lease.borrow(redis);
            assertThat(redis.rotation().status().activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(busy.ping() && idleBefore.ping() && madeAfter.ping())
                    .as("connections already authenticated keep working").isTrue();
            awaitConnections(user, 3);

            busy.close();
            idleBefore.close();
            madeAfter.close();
            awaitConnections(user, 1);

            try (Lease again = Lease.borrow(redis)) {
                assertThat(again.ping()).isTrue();
            }
            assertThat(clientsOf(server, user)).hasSize(1);
            assertThat(server.authenticationFailures(user)).isEqualTo(1);
        }
    }

    private void awaitConnections(String user, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(clientsOf(server, user)).hasSize(count));
    }

    /** One connection borrowed from either flavour's pool. */
    private record Lease(BooleanSupplier pinger, Runnable giveBack) implements AutoCloseable {

        static Lease borrow(Subject redis) {
            if (redis.closeable() instanceof DualCredentialRedisClient client) {
                Connection connection = client.client().getPool().getResource();
                return new Lease(connection::ping, connection::close);
            }
            Jedis jedis = ((DualCredentialJedisPool) redis.closeable()).getResource();
            return new Lease(() -> "PONG".equals(jedis.ping()), jedis::close);
        }

        boolean ping() {
            return pinger.getAsBoolean();
        }

        @Override
        public void close() {
            giveBack.run();
        }
    }
}
