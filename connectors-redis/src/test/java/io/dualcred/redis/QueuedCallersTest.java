package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A caller queued for a connection of a full pool waits for one to be returned. If the connections are retired
 * on return (after an eviction) and every credential is then rejected, no connection will come: the caller must
 * get the rejection promptly, as a caller that opens a connection does, not wait for {@code maxWait}.
 */
class QueuedCallersTest {

    private static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void aCallerQueuedWhenEveryCredentialBecomesRejectedGetsTheRejectionPromptly(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "queued");

        try (Subject redis = flavour.build(builder(server, app.source()).maxTotal(1).maxIdle(1).maxWait(MAX_WAIT))) {
            GenericObjectPool<?> pool = pool(redis);
            AutoCloseable held = borrow(redis);
            server.setUser(app.user(), app.next());   // the only password in the source no longer works
            redis.rotation().evictConnections();         // the held connection is retired when it comes back

            Future<Throwable> queued = executor.submit(() -> catchThrowable(() -> redis.get(app.user())));
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.getNumWaiters() == 1);
            long returned = System.nanoTime();
            held.close();
            Throwable thrown = queued.get(MAX_WAIT.toSeconds() + 10, TimeUnit.SECONDS);
            Duration waitedAfterTheRejection = Duration.ofNanos(System.nanoTime() - returned);

            assertThat(thrown).isInstanceOf(RedisCredentialsRejectedException.class);
            assertThat(waitedAfterTheRejection).isLessThan(Duration.ofSeconds(1));
        }
    }

    private static GenericObjectPool<?> pool(Subject redis) {
        return redis.closeable() instanceof DualCredentialRedisClient client
                ? client.client().getPool() : (DualCredentialJedisPool) redis.closeable();
    }

    private static AutoCloseable borrow(Subject redis) {
        return redis.closeable() instanceof DualCredentialRedisClient client
                ? client.client().getPool().getResource() : ((DualCredentialJedisPool) redis.closeable()).getResource();
    }
}
