package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.clientsOf;
import static io.dualcred.redis.RedisFixtures.killConnectionsOlderThan;
import static io.dualcred.redis.RedisFixtures.lastClientId;
import static io.dualcred.redis.RedisFixtures.secret;
import static org.awaitility.Awaitility.await;

import io.dualcred.redis.RedisFixtures.Load;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.redis.RedisFixtures.Operation;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.testservers.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;

/**
 * Plain Jedis against dualcred, on one Redis server in one run: GET throughput (16 threads, pools of 8), then the
 * ACL rotation of {@link RotationUnderLoadTest} with all four clients running side by side, the plain ones
 * configured with CURRENT only.
 *
 * <p>Not a test (surefire does not pick it up). Run it from {@code connectors-redis} after {@code mvn test-compile}:
 * <pre>
 * ../mvnw -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.dualcred.redis.RedisRotationBenchmark [s] [n]
 * </pre>
 * The optional arguments are the length of one measuring slice (default 2 s) and the number of rounds (default 5).
 * Each round measures a plain client, its dualcred twin, the twin again and the plain one again.
 */
public final class RedisRotationBenchmark {

    private static final int THREADS = 16;
    private static final int POOL_SIZE = 8;

    private final RedisServer server;
    private final String user = "bench-app";
    private final String current = secret("current");
    private final String next = secret("next");
    private final MutableSource source = new MutableSource(Credential.of(user, current));

    private RedisRotationBenchmark(RedisServer server) {
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        Duration slice = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 2);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (RedisServer server = RedisServer.startNew()) {
            RedisRotationBenchmark benchmark = new RedisRotationBenchmark(server);
            benchmark.server.setUser(benchmark.user, benchmark.current);
            System.out.printf(Locale.ROOT, "Redis %s, %d threads, pools of %d, %d cores%n", server, THREADS,
                    POOL_SIZE, Runtime.getRuntime().availableProcessors());
            benchmark.throughput(slice, rounds);
            benchmark.rotation();
        }
    }

    // ---- throughput ------------------------------------------------------------------------------------------

    /**
     * Measures each plain client and its dualcred twin in short alternating slices (plain, dualcred, dualcred,
     * plain), so that whatever else the machine does weighs on both alike; reports the median of the per-round
     * ratios.
     */
    private void throughput(Duration slice, int rounds) throws Exception {
        List<Contender> contenders = contenders();
        try {
            for (Contender contender : contenders) {
                getsPerSecond(contender, Duration.ofSeconds(2));
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "GET throughput (ops/s; %d rounds of plain, dualcred, dualcred, plain; "
                    + "%s slices)%n", rounds, slice);
            for (int pair = 0; pair < contenders.size(); pair += 2) {
                Contender plain = contenders.get(pair);
                Contender dual = contenders.get(pair + 1);
                List<Double> plainOps = new ArrayList<>();
                List<Double> dualOps = new ArrayList<>();
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    double a = getsPerSecond(plain, slice);
                    double b = getsPerSecond(dual, slice);
                    double b2 = getsPerSecond(dual, slice);
                    double a2 = getsPerSecond(plain, slice);
                    plainOps.add((a + a2) / 2);
                    dualOps.add((b + b2) / 2);
                    ratios.add((b + b2) / (a + a2));
                }
                System.out.printf(Locale.ROOT, "  %-22s mean %,10.0f   rounds %s%n", plain.name, mean(plainOps),
                        format(plainOps));
                System.out.printf(Locale.ROOT, "  %-22s mean %,10.0f   rounds %s%n", dual.name, mean(dualOps),
                        format(dualOps));
                Collections.sort(ratios);
                System.out.printf(Locale.ROOT, "  ratio dualcred/plain: median %.3f, per round %s%n",
                        ratios.get(ratios.size() / 2), ratios.stream()
                                .map(r -> String.format(Locale.ROOT, "%.3f", r)).toList());
            }
        } finally {
            for (Contender contender : contenders) {
                contender.closeable.close();
            }
        }
    }

    private static double getsPerSecond(Contender contender, Duration measure) throws Exception {
        try (Load load = Load.start(contender.name, THREADS, contender.get)) {
            load.awaitProgress(1_000);
            long before = load.successes();
            long start = System.nanoTime();
            Instant end = Instant.now().plus(measure);
            await().atMost(measure.plusSeconds(10)).until(() -> Instant.now().isAfter(end));
            long ops = load.successes() - before;
            double seconds = (System.nanoTime() - start) / 1e9;
            if (load.failures() > 0) {
                throw new IllegalStateException(contender.name + " failed: " + load.failureSamples());
            }
            return ops / seconds;
        }
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    // ---- rotation --------------------------------------------------------------------------------------------

    private void rotation() throws Exception {
        List<Contender> contenders = contenders();
        List<Load> loads = new ArrayList<>();
        try {
            for (Contender contender : contenders) {
                loads.add(Load.start("rotation " + contender.name, THREADS, contender.setAndGet));
            }
            for (Load load : loads) {
                load.awaitProgress(2_000);
            }
            long[] failuresBefore = loads.stream().mapToLong(Load::failures).toArray();
            long[] successesBefore = loads.stream().mapToLong(Load::successes).toArray();
            long authFailuresBefore = server.authenticationFailures(user);

            Instant rotationStart = Instant.now();
            server.addPassword(user, next);
            source.set(Credential.of(user, current), Credential.of(user, next));
            long lastIdBeforeChange = lastClientId(server, user);
            server.removePassword(user, current);
            for (Contender contender : contenders) {
                if (contender.rotation != null) {
                    contender.rotation.evictConnections();
                }
            }
            Instant switchTime = Instant.EPOCH;
            for (Contender contender : contenders) {
                if (contender.rotation != null) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> contender.rotation.status().counters().switches() >= 1);
                    RotationStatus status = contender.rotation.status();
                    Instant switched = status.lastSwitchTime().orElseThrow();
                    switchTime = switched.isAfter(switchTime) ? switched : switchTime;
                    System.out.printf(Locale.ROOT, "%n%s switched %d ms after the password change", contender.name,
                            Duration.between(rotationStart, switched).toMillis());
                }
            }
            // The dualcred pools retire their old connections as they are returned; the plain ones cannot.
            Instant settle = Instant.now().plusMillis(500);
            await().until(() -> Instant.now().isAfter(settle));
            int killed = killConnectionsOlderThan(server, user, switchTime, lastIdBeforeChange);
            Instant after = Instant.now().plusSeconds(3);
            await().atMost(Duration.ofSeconds(15)).until(() -> Instant.now().isAfter(after));

            System.out.printf(Locale.ROOT, "%n%nRotation side by side (ACL SETUSER >NEXT, source gains NEXT, "
                    + "<CURRENT, dualcred evictConnections(), then CLIENT KILL of the %d connections older than the "
                    + "switch)%n", killed);
            for (int i = 0; i < contenders.size(); i++) {
                Load load = loads.get(i);
                System.out.printf(Locale.ROOT, "  %-22s failed %,9d   succeeded %,10d   first failure: %s%n",
                        contenders.get(i).name, load.failures() - failuresBefore[i],
                        load.successes() - successesBefore[i],
                        load.failureSamples().stream().findFirst().map(Throwable::toString).orElse("-"));
            }
            System.out.printf(Locale.ROOT, "  rejected logins on the server (ACL LOG, all four clients): %d; "
                    + "connections of %s now %d%n", server.authenticationFailures(user) - authFailuresBefore, user,
                    clientsOf(server, user).size());
            for (Contender contender : contenders) {
                if (contender.rotation != null) {
                    System.out.printf(Locale.ROOT, "  %-22s rejected logins during its switch: %d%n", contender.name,
                            contender.rotation.status().counters().rejectedLogins());
                }
            }
        } finally {
            for (Load load : loads) {
                load.close();
            }
            for (Contender contender : contenders) {
                contender.closeable.close();
            }
        }
    }

    // ---- the four clients ------------------------------------------------------------------------------------

    /** A client under measurement; {@code rotation} is null for plain Jedis. */
    private record Contender(String name, AutoCloseable closeable, Operation get, Operation setAndGet,
                             RotationControl rotation) {
    }

    private List<Contender> contenders() {
        HostAndPort address = new HostAndPort(server.host(), server.port());
        JedisClientConfig plainConfig = DefaultJedisClientConfig.builder().user(user).password(current)
                .protocol(RedisProtocol.RESP2).build();

        ConnectionPoolConfig plainClientPool = new ConnectionPoolConfig();
        plainClientPool.setMaxTotal(POOL_SIZE);
        plainClientPool.setMaxIdle(POOL_SIZE);
        RedisClient plainClient = RedisClient.builder().hostAndPort(address).clientConfig(plainConfig)
                .poolConfig(plainClientPool).build();

        DualCredentialRedisClient dualClient = dualcred().buildClient();

        JedisPoolConfig plainJedisPoolConfig = new JedisPoolConfig();
        plainJedisPoolConfig.setMaxTotal(POOL_SIZE);
        plainJedisPoolConfig.setMaxIdle(POOL_SIZE);
        JedisPool plainPool = new JedisPool(plainJedisPoolConfig, address, plainConfig);

        DualCredentialJedisPool dualPool = dualcred().buildPool();

        return List.of(
                new Contender("plain RedisClient", plainClient, gets(plainClient::get),
                        RedisFixtures.setAndGet(plainClient, "plain-client:"), null),
                new Contender("dualcred RedisClient", dualClient, gets(dualClient.client()::get),
                        RedisFixtures.setAndGet(dualClient.client(), "dual-client:"), dualClient.rotation()),
                new Contender("plain JedisPool", plainPool, gets(pooled(plainPool)),
                        RedisFixtures.setAndGet(plainPool, "plain-pool:"), null),
                new Contender("dualcred JedisPool", dualPool, gets(pooled(dualPool)),
                        RedisFixtures.setAndGet(dualPool, "dual-pool:"), dualPool.rotation()));
    }

    private DualCredentialRedis.Builder dualcred() {
        return DualCredentialRedis.builder().hostAndPort(server.host(), server.port()).credentialSource(source)
                .maxTotal(POOL_SIZE).maxIdle(POOL_SIZE);
    }

    private static Function<String, String> pooled(JedisPool pool) {
        return key -> {
            try (Jedis jedis = pool.getResource()) {
                return jedis.get(key);
            }
        };
    }

    private static Operation gets(Function<String, String> get) {
        return (worker, iteration) -> get.apply("bench:" + worker);
    }

    private static String format(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList().toString();
    }
}
