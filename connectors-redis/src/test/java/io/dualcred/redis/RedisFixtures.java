package io.dualcred.redis;

import static org.awaitility.Awaitility.await;

import io.dualcred.redis.internal.JedisFeatures;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationControl;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.RedisServer.ClientInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.RedisClient;

/** Shared pieces of the connector tests: names, secrets, a mutable source, a load generator, client listings. */
final class RedisFixtures {

    /** The pool size of every client under test. */
    static final int POOL_SIZE = 8;

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private RedisFixtures() {
    }

    /** @return a builder for {@code server} and {@code source}: pools of {@link #POOL_SIZE}, generous timeouts */
    static DualCredentialRedis.Builder builder(RedisServer server, CredentialSource source) {
        return DualCredentialRedis.builder()
                .hostAndPort(server.host(), server.port())
                .credentialSource(source)
                .maxTotal(POOL_SIZE)
                .maxIdle(POOL_SIZE)
                .timeout(Duration.ofSeconds(10));
    }

    /** @return a user name no other test uses, so tests can share one server */
    static String uniqueUser(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** @return a random password that is easy to search for in captured output */
    static String secret(String label) {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return "sentinel-" + label + "-" + HexFormat.of().formatHex(random);
    }

    /** @return the connections the server holds for one user */
    static List<ClientInfo> clientsOf(RedisServer server, String user) {
        return server.clients().stream().filter(c -> user.equals(c.user())).toList();
    }

    /**
     * A fresh ACL user on a server, holding the CURRENT password, and a source that offers it as CURRENT. NEXT is
     * chosen but neither set on the server nor staged in the source.
     *
     * @param user the user name
     * @param current the password the user has on the server
     * @param next the password a rotation moves to
     * @param source the source the client under test reads
     */
    record Account(String user, String current, String next, MutableSource source) {

        static Account create(RedisServer server, String prefix) {
            return create(prefix, server::setUser);
        }

        /**
         * @param prefix the user name's prefix
         * @param setUser creates the user with one password, e.g. on every node of a topology
         */
        static Account create(String prefix, java.util.function.BiConsumer<String, String> setUser) {
            String user = uniqueUser(prefix);
            String current = secret("current");
            setUser.accept(user, current);
            return new Account(user, current, secret("next"), new MutableSource(Credential.of(user, current)));
        }

        /** The source now offers NEXT as well as CURRENT, as after an operator staged it. */
        void stageNext() {
            source.set(Credential.of(user, current), Credential.of(user, next));
        }
    }

    /** A credential source the test changes at will, as an operator changes a secret store. */
    static final class MutableSource implements CredentialSource {

        private final AtomicReference<CredentialSet> set;
        private final AtomicInteger loads = new AtomicInteger();

        MutableSource(Credential current) {
            this.set = new AtomicReference<>(CredentialSet.of(current));
        }

        void set(Credential current, Credential next) {
            set.set(CredentialSet.of(current, next));
        }

        void set(Credential current) {
            set.set(CredentialSet.of(current));
        }

        int loads() {
            return loads.get();
        }

        @Override
        public CredentialSet load() {
            loads.incrementAndGet();
            return set.get();
        }

        @Override
        public String description() {
            return "test-source";
        }
    }

    /** One unit of work for a load thread; {@code worker} tells threads apart so they use their own keys. */
    @FunctionalInterface
    interface Operation {
        void run(int worker, long iteration) throws Exception;
    }

    /** SET then GET of a per-thread key through a {@link RedisClient}, checking the value read back. */
    static Operation setAndGet(RedisClient client, String keyPrefix) {
        return (worker, iteration) -> {
            String key = keyPrefix + worker;
            String value = Long.toString(iteration);
            client.set(key, value);
            check(value, client.get(key));
        };
    }

    /** SET then GET of a per-thread key through a {@link JedisPool} lease. */
    static Operation setAndGet(JedisPool pool, String keyPrefix) {
        return (worker, iteration) -> {
            String key = keyPrefix + worker;
            String value = Long.toString(iteration);
            try (Jedis jedis = pool.getResource()) {
                jedis.set(key, value);
                check(value, jedis.get(key));
            }
        };
    }

    private static void check(String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            throw new IllegalStateException("read back " + actual + ", expected " + expected);
        }
    }

    /**
     * Threads that run an operation in a loop until stopped, counting successes and failures and timing the longest
     * operation. Failures are kept (the first 20) so that an assertion can show them.
     */
    static final class Load implements AutoCloseable {

        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong successes = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final ConcurrentLinkedQueue<Throwable> failureSamples = new ConcurrentLinkedQueue<>();
        private final AtomicLong longestNanos = new AtomicLong();
        private final CountDownLatch started;
        private volatile boolean running = true;

        private Load(String name, int threadCount, Operation operation) {
            this.started = new CountDownLatch(threadCount);
            for (int i = 0; i < threadCount; i++) {
                int worker = i;
                Thread thread = new Thread(() -> work(worker, operation), name + "-" + i);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }

        static Load start(String name, int threadCount, Operation operation) {
            Load load = new Load(name, threadCount, operation);
            load.threads.forEach(Thread::start);
            return load;
        }

        private void work(int worker, Operation operation) {
            started.countDown();
            for (long i = 0; running; i++) {
                long begun = System.nanoTime();
                try {
                    operation.run(worker, i);
                    successes.incrementAndGet();
                } catch (Throwable e) {
                    failures.incrementAndGet();
                    if (failureSamples.size() < 20) {
                        failureSamples.add(e);
                    }
                }
                longestNanos.accumulateAndGet(System.nanoTime() - begun, Math::max);
            }
        }

        /** Waits until every thread runs and {@code count} more operations succeeded. */
        Load awaitProgress(long count) {
            long target = successes.get() + count;
            await().atMost(Duration.ofSeconds(30)).until(() -> started.getCount() == 0 && successes.get() >= target);
            return this;
        }

        long successes() {
            return successes.get();
        }

        long failures() {
            return failures.get();
        }

        /** @return the longest any one operation took, failed or not */
        Duration longest() {
            return Duration.ofNanos(longestNanos.get());
        }

        /** @return whether every thread has ended; after {@link #close()}, whether none was stuck */
        boolean stopped() {
            return threads.stream().noneMatch(Thread::isAlive);
        }

        List<Throwable> failureSamples() {
            return List.copyOf(failureSamples);
        }

        /** Stops the threads and waits for them. */
        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(30).toMillis());
            }
        }
    }

    /**
     * Closes, the way an operator revoking the old password would, every connection of {@code user} that is older
     * than {@code switchTime}: by {@code CLIENT LIST} age, with a second's margin for the server's whole-second
     * clock, plus every connection whose id is at most {@code lastIdBefore} (made before the password change).
     *
     * @return how many connections were closed
     */
    static int killConnectionsOlderThan(RedisServer server, String user, Instant switchTime, long lastIdBefore) {
        long secondsSinceSwitch = Duration.between(switchTime, Instant.now()).toSeconds();
        int killed = 0;
        for (ClientInfo client : clientsOf(server, user)) {
            if (client.id() <= lastIdBefore || client.ageSeconds() > secondsSinceSwitch + 1) {
                if (server.killClient(client.id())) {
                    killed++;
                }
            }
        }
        return killed;
    }

    /** @return the highest client id the server has handed out to {@code user} so far, or 0 */
    static long lastClientId(RedisServer server, String user) {
        return clientsOf(server, user).stream().mapToLong(ClientInfo::id).max().orElse(0);
    }

    /** The two things the builder makes, driven the same way by the tests. */
    enum Flavour {
        REDIS_CLIENT, JEDIS_POOL;

        /**
         * @return the flavours under test: those the build names in {@code dualcred.test.redis-flavours} (both by
         *     default; the version-range build names {@code JEDIS_POOL} alone, its Jedis having no RedisClient), or
         *     both when the property is unset (a test started from an IDE)
         */
        static List<Flavour> tested() {
            String named = System.getProperty("dualcred.test.redis-flavours", "");
            if (named.isBlank()) {
                return List.of(values());
            }
            return Arrays.stream(named.split(",")).map(String::strip).map(Flavour::valueOf).toList();
        }

        Subject build(RedisServer server, MutableSource source) {
            return build(builder(server, source));
        }

        Subject build(DualCredentialRedis.Builder builder) {
            if (this == REDIS_CLIENT) {
                if (!JedisFeatures.hasRedisClient()) {
                    throw new IllegalStateException("Jedis " + JedisFeatures.version() + " has no RedisClient: a "
                            + "build on it must name only JEDIS_POOL in dualcred.test.redis-flavours, as the "
                            + "lowest-deps profile does");
                }
                DualCredentialRedisClient redis = builder.buildClient();
                RedisClient client = redis.client();
                return new Subject(redis.rotation(), redis,
                        setAndGet(client, "load:" + redis.rotation().poolName() + ":"), client::get);
            }
            DualCredentialJedisPool pool = builder.buildPool();
            Get get = key -> {
                try (Jedis jedis = pool.getResource()) {
                    return jedis.get(key);
                }
            };
            return new Subject(pool.rotation(), pool, setAndGet(pool, "load:" + pool.rotation().poolName() + ":"), get);
        }
    }

    /**
     * A dual-credential client or pool under test.
     *
     * @param rotation its rotation controls
     * @param closeable closes it
     * @param setAndGet one SET and GET through it
     * @param get one GET through it
     */
    record Subject(RotationControl rotation, AutoCloseable closeable, Operation setAndGet, Get get)
            implements AutoCloseable {

        String get(String key) {
            return get.get(key);
        }

        /** @return the commons-pool2 pool behind the client or pool */
        GenericObjectPool<?> pool() {
            return closeable instanceof DualCredentialRedisClient client
                    ? client.client().getPool() : (DualCredentialJedisPool) closeable;
        }

        /** @return one connection of the pool, lent until it is closed, as to a long command or transaction */
        AutoCloseable borrowConnection() {
            return closeable instanceof DualCredentialRedisClient client
                    ? client.client().getPool().getResource() : ((DualCredentialJedisPool) closeable).getResource();
        }

        /**
         * Closes one pooled connection, as a server-side timeout or a network blip would, so that the pool's next
         * borrower that finds no idle connection logs a new one in.
         */
        void retireOneConnection() throws Exception {
            retire(pool());
        }

        private static <T> void retire(GenericObjectPool<T> pool) throws Exception {
            pool.invalidateObject(pool.borrowObject());
        }

        @Override
        public void close() throws Exception {
            closeable.close();
        }
    }

    /** One GET. */
    @FunctionalInterface
    interface Get {
        String get(String key);
    }
}
