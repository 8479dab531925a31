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
import io.dualcred.testservers.RedisServer.ClientInfo;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;

/**
 * Connections made before a switch or an eviction request are replaced make before break: each idle one is retired
 * only once its replacement has logged in, busy ones when returned, none is lent again, and the pool never holds
 * fewer connections than before. Each step is checked on the server with {@code CLIENT LIST}.
 */
class EvictionTest {

    private final RedisServer server = RedisServer.shared();

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void evictionReplacesIdleConnectionsNowAndBusyOnesWhenReturned(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            Lease busy = Lease.borrow(redis);
            Lease.borrow(redis).close();
            try (Lease second = Lease.borrow(redis); Lease third = Lease.borrow(redis)) {
                assertThat(second.ping() && third.ping()).isTrue();
            }
            awaitConnections(user, 3);
            Set<Long> before = ids(user);
            long busyId = Collections.min(before);   // the first connection borrowed

            redis.rotation().evictConnections();

            // The busy connection's replacement waits, logged in, for its return: the user holds 3 or 4 connections.
            awaitOldConnections(user, before, 1, 3);
            assertThat(busy.ping()).as("a busy connection keeps working until returned").isTrue();
            assertThat(ids(user)).as("the busy connection stays until returned").contains(busyId);
            busy.close();
            awaitOldConnections(user, before, 0, 3);

            try (Lease fresh = Lease.borrow(redis)) {
                assertThat(fresh.ping()).isTrue();
            }
            assertThat(clientsOf(server, user)).hasSize(3);
            RotationStatus status = redis.rotation().status();
            assertThat(status.counters().evictions()).isEqualTo(1);
            assertThat(status.counters().switches()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void switchRetiresEveryConnectionMadeWithThePreviousPassword(Flavour flavour) throws Exception {
        Account app = Account.create(server, "app");
        String user = app.user();

        try (Subject redis = flavour.build(server, app.source())) {
            Lease busy = Lease.borrow(redis);
            Lease.borrow(redis).close();
            awaitConnections(user, 2);
            Set<Long> before = ids(user);

            server.addPassword(user, app.next());
            app.stageNext();
            server.removePassword(user, app.current());

            Lease idleBefore = Lease.borrow(redis);
            Lease madeAfter = Lease.borrow(redis);
            assertThat(redis.rotation().status().activeSlot()).isEqualTo(Slot.NEXT);
            assertThat(busy.ping() && idleBefore.ping() && madeAfter.ping())
                    .as("connections already authenticated keep working").isTrue();

            busy.close();
            idleBefore.close();
            madeAfter.close();
            awaitOldConnections(user, before, 0, 3);

            try (Lease again = Lease.borrow(redis)) {
                assertThat(again.ping()).isTrue();
            }
            assertThat(clientsOf(server, user)).hasSize(3);
            assertThat(server.authenticationFailures(user)).isEqualTo(1);
        }
    }

    private void awaitConnections(String user, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(clientsOf(server, user)).hasSize(count));
    }

    /**
     * Waits until exactly {@code old} of the connections in {@code before} are left and, once none is, the user holds
     * exactly {@code total} connections; checks at every look that it never holds fewer than {@code total}.
     */
    private void awaitOldConnections(String user, Set<Long> before, int old, int total) {
        await().atMost(Duration.ofSeconds(10))
                .failFast("the pool held fewer connections than before",
                        () -> assertThat(ids(user)).hasSizeGreaterThanOrEqualTo(total))
                .untilAsserted(() -> {
                    Set<Long> now = ids(user);
                    Set<Long> left = new HashSet<>(now);
                    left.retainAll(before);
                    assertThat(left).as("connections made before").hasSize(old);
                    if (old == 0) {
                        assertThat(now).hasSize(total);
                    }
                });
    }

    private Set<Long> ids(String user) {
        return clientsOf(server, user).stream().map(ClientInfo::id).collect(Collectors.toSet());
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
