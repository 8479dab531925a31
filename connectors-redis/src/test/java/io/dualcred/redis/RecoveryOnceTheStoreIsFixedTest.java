package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PacedCallers;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SecretFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16: after every credential was rejected, the client serves again within about a second of the engine
 * learning that the store was fixed.
 */
class RecoveryOnceTheStoreIsFixedTest {

    /** Generous: the target is about a second. */
    private static final Duration BOUND = Duration.ofSeconds(3);

    private final RedisServer server = RedisServer.shared();

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void servesSoonAfterTheEngineSeesTheFixedStoreEvenAfterSeveralRejectedRounds(Flavour flavour) throws Exception {
        String user = RedisFixtures.uniqueUser("storefix");
        String password = secret("right");
        server.setUser(user, password);
        SecretFiles secrets = SecretFiles.create("storefix").hold(user, secret("wrong-current"), secret("wrong-next"));
        AtomicReference<Instant> fixSeen = new AtomicReference<>();
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                .hostAndPort(server.host(), server.port())
                .poolName("recovers-on-fix-" + flavour)
                .credentialSource(CredentialSources.directory(secrets.directory()))
                .maxTotal(RedisFixtures.POOL_SIZE)
                .timeout(Duration.ofSeconds(10))
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(500), 2.0, Duration.ofSeconds(2)).build())
                .listener(event -> {
                    if (event instanceof RotationEvent.SourceReloaded reloaded && reloaded.changed()) {
                        fixSeen.compareAndSet(null, reloaded.time());
                    }
                });

        try (Subject redis = flavour.build(builder)) {
            Instant served;
            try (PacedCallers callers = PacedCallers.start(4, Duration.ofMillis(20), () -> redis.get(user) == null)) {
                // Rounds at about 0, 0.5, 1.5, 3.5 and 5.5 s: the store stays wrong for about six seconds.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> redis.rotation().status().counters().allRejectedRounds() >= 5);
                RotationStatus rejected = redis.rotation().status();
                assertThat(callers.firstSuccess()).isEmpty();
                assertThat(rejected.counters().rejectedLogins())
                        .as("one login per credential per round after the first, which every connection may join")
                        .isLessThanOrEqualTo(RedisFixtures.POOL_SIZE + 2 * rejected.counters().allRejectedRounds());

                secrets.hold(user, password, secret("wrong-next"));
                served = await().atMost(Duration.ofSeconds(30)).until(callers::firstSuccess, first -> first.isPresent())
                        .orElseThrow();
            }

            Duration recovery = Duration.between(fixSeen.get(), served);
            System.out.printf("Redis (%s): first GET served %d ms after the engine saw the fixed store%n", flavour,
                    recovery.toMillis());
            assertThat(recovery).isLessThan(BOUND);
            assertThat(redis.rotation().status().activeSlot()).isEqualTo(Slot.CURRENT);
        }
    }
}
