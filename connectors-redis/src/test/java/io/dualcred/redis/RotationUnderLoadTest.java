package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.POOL_SIZE;
import static io.dualcred.redis.RedisFixtures.builder;
import static io.dualcred.redis.RedisFixtures.clientsOf;
import static io.dualcred.redis.RedisFixtures.killConnectionsOlderThan;
import static io.dualcred.redis.RedisFixtures.lastClientId;
import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rotations the connector exists for, under continuous load: 16 threads doing SET and GET through a pool of 8
 * while the password changes on the server. No command may fail.
 */
class RotationUnderLoadTest {

    private static final int THREADS = 16;

    /**
     * ACL user with two passwords: add NEXT, stage it in the source, remove CURRENT, roll the pool, then close every
     * connection from before the switch as an operator revoking CURRENT would.
     */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void aclPasswordRotationUnderLoadFailsNoCommand(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "app");
        try (Subject redis = flavour.build(server, app.source())) {
            rotateAclPasswordUnderLoad(server, app, redis, "acl-" + flavour);
        }
    }

    /**
     * The ACL rotation above on any client or pool of {@code app} (also run over TLS by {@link TlsRotationTest}):
     * starts the load, rotates, revokes, and checks that no command failed and the pool switched once.
     */
    static void rotateAclPasswordUnderLoad(RedisServer server, Account app, Subject redis, String name)
            throws Exception {
        try (Load load = Load.start(name, THREADS, redis.setAndGet())) {
            load.awaitProgress(2_000);
            assertThat(clientsOf(server, app.user())).hasSize(POOL_SIZE);

            server.addPassword(app.user(), app.next());
            app.stageNext();
            long lastIdBeforeChange = lastClientId(server, app.user());
            server.removePassword(app.user(), app.current());
            load.awaitProgress(500);

            // The pool holds all the connections it needs, so nothing would ever try a new login: roll it.
            redis.rotation().evictConnections();
            RotationStatus switched = awaitSwitch(redis.rotation());
            assertThat(switched.activeSlot()).isEqualTo(Slot.NEXT);
            await("the pool retires the connections from before the switch").atMost(Duration.ofSeconds(10))
                    .until(() -> allConnectionsNewerThan(server, app.user(), lastIdBeforeChange));

            int killed = killConnectionsOlderThan(server, app.user(), switched.lastSwitchTime().orElseThrow(),
                    lastIdBeforeChange);
            load.awaitProgress(2_000);
            load.close();

            assertThat(load.failureSamples()).as("failed commands").isEmpty();
            assertThat(load.failures()).isZero();
            assertThat(killed).as("connections from before the switch the pool still held").isZero();
            assertThat(redis.rotation().status().counters().switches()).isEqualTo(1);
            assertThat(server.authenticationFailures(app.user()))
                    .as("logins rejected with CURRENT; at most one per connection made during the roll")
                    .isBetween(1L, (long) POOL_SIZE);
        }
    }

    /**
     * {@code requirepass}: the default user's only password is replaced, with no overlap. Connections already open
     * keep working; new ones are rejected with CURRENT and fall back to NEXT.
     */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void requirePassRotationUnderLoadFailsNoCommand(Flavour flavour) throws Exception {
        String current = secret("current");
        String next = secret("next");
        try (RedisServer server = RedisServer.startNew()) {
            server.setRequirePass(current);
            MutableSource source = new MutableSource(Credential.of("default", current));
            DualCredentialRedis.Builder builder = builder(server, source);
            if (flavour == Flavour.JEDIS_POOL) {
                // Also covers the AUTH-only login (no HELLO) that servers before Redis 6 need.
                builder.helloHandshake(false);
            }

            try (Subject redis = flavour.build(builder);
                 Load load = Load.start("requirepass-" + flavour, THREADS, redis.setAndGet())) {
                load.awaitProgress(2_000);

                source.set(Credential.of("default", current), Credential.of("default", next));
                server.execute("CONFIG", "SET", "requirepass", next);
                load.awaitProgress(500);
                redis.rotation().evictConnections();
                assertThat(awaitSwitch(redis.rotation()).activeUsername()).isEqualTo("default");
                load.awaitProgress(2_000);
                load.close();

                assertThat(load.failureSamples()).as("failed commands").isEmpty();
                assertThat(load.failures()).isZero();
                assertThat(redis.rotation().status().activeSlot()).isEqualTo(Slot.NEXT);
                assertThat(clientsOf(server, "default")).hasSizeLessThanOrEqualTo(POOL_SIZE);
            }
        }
    }

    /**
     * NEXT names another ACL user (the "alternating users" strategy): once the old user is deleted, which closes
     * its connections on the server, the pool serves everything as the new user.
     */
    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void alternatingUsersRotationUnderLoadFailsNoCommand(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account blue = Account.create(server, "blue");
        String green = uniqueUser("green");

        try (Subject redis = flavour.build(server, blue.source());
             Load load = Load.start("users-" + flavour, THREADS, redis.setAndGet())) {
            load.awaitProgress(2_000);

            server.setUser(green, blue.next());
            blue.source().set(Credential.of(blue.user(), blue.current()), Credential.of(green, blue.next()));
            server.disableUser(blue.user());
            redis.rotation().evictConnections();
            assertThat(awaitSwitch(redis.rotation()).activeUsername()).isEqualTo(green);
            await().atMost(Duration.ofSeconds(10)).until(() -> clientsOf(server, blue.user()).isEmpty());
            server.deleteUser(blue.user());
            load.awaitProgress(2_000);
            load.close();

            assertThat(load.failureSamples()).as("failed commands").isEmpty();
            assertThat(clientsOf(server, green)).isNotEmpty().hasSizeLessThanOrEqualTo(POOL_SIZE);
        }
    }

    static RotationStatus awaitSwitch(RotationControl rotation) {
        await().atMost(Duration.ofSeconds(10)).until(() -> rotation.status().counters().switches() >= 1);
        return rotation.status();
    }

    /** @return whether every connection of {@code user} was made after the one numbered {@code lastIdBefore} */
    private static boolean allConnectionsNewerThan(RedisServer server, String user, long lastIdBefore) {
        return clientsOf(server, user).stream().allMatch(client -> client.id() > lastIdBefore);
    }
}
