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
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;

/**
 * A caller queued for a connection of a full pool waits for one to be returned. If the connection comes back broken
 * (the server dropped it) while every credential is rejected, no connection will come: the caller must get the
 * rejection promptly, as a caller that opens a connection does, not wait for {@code maxWait}.
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
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void aCallerQueuedWhenEveryCredentialBecomesRejectedGetsTheRejectionPromptly(Flavour flavour) throws Exception {
        RedisServer server = RedisServer.shared();
        Account app = Account.create(server, "queued");

        try (Subject redis = flavour.build(builder(server, app.source()).maxTotal(1).maxIdle(1).maxWait(MAX_WAIT))) {
            GenericObjectPool<?> pool = redis.pool();
            Held held = borrow(redis);
            server.setUser(app.user(), app.next());   // the only password in the source no longer works
            assertThat(server.killClientsOfUser(app.user())).isEqualTo(1);
            assertThat(catchThrowable(() -> held.ping().run())).as("the held connection was dropped by the server").isNotNull();

            Future<Throwable> queued = executor.submit(() -> catchThrowable(() -> redis.get(app.user())));
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.getNumWaiters() == 1);
            long returned = System.nanoTime();
            // The pool destroys the broken connection and, for the queued caller, tries to make another: the login
            // is rejected, and the exception may reach this close() as well (as with a plain Jedis pool).
            catchThrowable(held::close);
            Throwable thrown = queued.get(MAX_WAIT.toSeconds() + 10, TimeUnit.SECONDS);
            Duration waitedAfterTheRejection = Duration.ofNanos(System.nanoTime() - returned);

            assertThat(thrown).isInstanceOf(RedisCredentialsRejectedException.class);
            assertThat(waitedAfterTheRejection).isLessThan(Duration.ofSeconds(1));
        }
    }

    /** A borrowed connection; once broken, closing it makes the pool destroy it. */
    private record Held(Runnable ping, AutoCloseable giveBack) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            giveBack.close();
        }
    }

    private static Held borrow(Subject redis) {
        if (redis.closeable() instanceof DualCredentialRedisClient client) {
            Connection connection = client.client().getPool().getResource();
            return new Held(connection::ping, connection);
        }
        Jedis jedis = ((DualCredentialJedisPool) redis.closeable()).getResource();
        return new Held(jedis::ping, jedis);
    }
}
