package io.dualcred.benchmarks;

import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.RedisServer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;

/**
 * One {@code GET} through a pooled Jedis {@link RedisClient}: plain Jedis against the client built by
 * {@link DualCredentialRedis}, same pool settings, same embedded Redis.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Ddualcred.testservers=embedded")
public class RedisGetBenchmark {

    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password-1";
    private static final String KEY = "bench:key";

    @Param({"plain", "dualcred"})
    public String client;

    private RedisServer server;
    private RedisClient redis;
    private AutoCloseable closer;

    @Setup(Level.Trial)
    public void start() {
        server = RedisServer.startNew();
        server.setUser(USER, PASSWORD);
        server.execute("SET", KEY, "value");
        if (client.equals("plain")) {
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            pool.setMaxTotal(4);
            redis = RedisClient.builder()
                    .hostAndPort(server.host(), server.port())
                    .clientConfig(DefaultJedisClientConfig.builder().user(USER).password(PASSWORD)
                            .protocol(RedisProtocol.RESP2).build())
                    .poolConfig(pool)
                    .build();
            closer = redis;
        } else {
            DualCredentialRedisClient dualcred = DualCredentialRedis.builder()
                    .hostAndPort(server.host(), server.port())
                    .credentialSource(CredentialSources.fixed(Credential.of(USER, PASSWORD)))
                    .maxTotal(4)
                    .buildClient();
            redis = dualcred.client();
            closer = dualcred;
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        closer.close();
        server.close();
    }

    @Benchmark
    public String get() {
        return redis.get(KEY);
    }
}
