package io.dualcred.integration.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import redis.clients.jedis.Jedis;

/**
 * The instances of one service, each a dualcred pool with its own secret volume, seen the way an operator sees
 * them: through the {@code io.dualcred:type=Rotation,name="<pool>"} MBeans the runbook names.
 */
final class Fleet implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(30);
    static final int REDIS_MAX_TOTAL = 3;

    /** One unit of work against one instance. */
    @FunctionalInterface
    interface Operation {
        void run() throws Exception;
    }

    /** One instance: its pool name (also its application or client name), secret volume, pool and workload. */
    record Instance(String pool, SecretVolume volume, AutoCloseable resource, Operation operation) {
    }

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    private final List<Instance> instances;

    private Fleet(List<Instance> instances) {
        this.instances = List.copyOf(instances);
    }

    /**
     * PostgreSQL instances: HikariCP pools of three connections named {@code <name>-<n>}, reporting that name as
     * {@code application_name}, each running {@code statement} per operation.
     */
    static Fleet postgres(PostgresServer server, String name, int size, String user, String password,
                          String statement) {
        List<Instance> instances = new ArrayList<>();
        try {
            for (int n = 1; n <= size; n++) {
                String pool = name + "-" + n;
                SecretVolume volume = SecretVolume.create(pool).current(user, password);
                DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                        .jdbcUrl(server.jdbcUrl())
                        .poolName(pool)
                        .maximumPoolSize(3)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .dataSourceProperty("ApplicationName", pool)
                        .registerMbeans(true)
                        .credentialSource(CredentialSources.directory(volume.directory()))
                        .build();
                instances.add(new Instance(pool, volume, dataSource, () -> {
                    try (Connection connection = dataSource.getConnection();
                         Statement sql = connection.createStatement()) {
                        sql.execute(statement);
                    }
                }));
            }
            return new Fleet(instances);
        } catch (RuntimeException e) {
            new Fleet(instances).close();
            throw e;
        }
    }

    /**
     * Redis instances: a {@code RedisClient} and a {@code JedisPool} (both kinds dualcred builds), named
     * {@code <name>-<n>} and reporting that name as client name, each incrementing a counter per operation.
     */
    static Fleet redis(RedisServer server, String name, String user, String password) {
        List<Instance> instances = new ArrayList<>();
        try {
            String clientPool = name + "-1";
            SecretVolume clientVolume = SecretVolume.create(clientPool).current(user, password);
            DualCredentialRedisClient client = builder(server, clientPool, clientVolume).buildClient();
            instances.add(new Instance(clientPool, clientVolume, client,
                    () -> client.client().incr(clientPool + ":operations")));

            String jedisPool = name + "-2";
            SecretVolume poolVolume = SecretVolume.create(jedisPool).current(user, password);
            DualCredentialJedisPool pool = builder(server, jedisPool, poolVolume).buildPool();
            instances.add(new Instance(jedisPool, poolVolume, pool, () -> {
                try (Jedis jedis = pool.getResource()) {
                    jedis.incr(jedisPool + ":operations");
                }
            }));
            return new Fleet(instances);
        } catch (RuntimeException e) {
            new Fleet(instances).close();
            throw e;
        }
    }

    private static DualCredentialRedis.Builder builder(RedisServer server, String pool, SecretVolume volume) {
        return DualCredentialRedis.builder()
                .hostAndPort(server.host(), server.port())
                .poolName(pool)
                .clientName(pool)
                .maxTotal(REDIS_MAX_TOTAL)
                .registerMBean(true)
                .credentialSource(CredentialSources.directory(volume.directory()));
    }

    List<Instance> instances() {
        return instances;
    }

    int size() {
        return instances.size();
    }

    List<String> pools() {
        return instances.stream().map(Instance::pool).toList();
    }

    List<Operation> operations() {
        return instances.stream().map(Instance::operation).toList();
    }

    // ---- the secret store ------------------------------------------------------------------------------------

    void stage(String nextUser, String nextPassword) {
        instances.forEach(instance -> instance.volume().stage(nextUser, nextPassword));
    }

    void unstage() {
        instances.forEach(instance -> instance.volume().unstage());
    }

    void promote() {
        instances.forEach(instance -> instance.volume().promote());
    }

    // ---- JMX, as the runbook tells the operator ---------------------------------------------------------------

    Object attribute(String pool, String attribute) {
        try {
            return JMX.getAttribute(objectName(pool), attribute);
        } catch (JMException e) {
            throw new AssertionError("cannot read " + attribute + " of " + objectName(pool) + ": " + e, e);
        }
    }

    /** @return the attribute on every instance, by pool name */
    Map<String, Object> everywhere(String attribute) {
        Map<String, Object> values = new LinkedHashMap<>();
        instances.forEach(instance -> values.put(instance.pool(), attribute(instance.pool(), attribute)));
        return values;
    }

    Map<String, Long> counters(String attribute) {
        Map<String, Long> values = new LinkedHashMap<>();
        everywhere(attribute).forEach((pool, value) -> values.put(pool, (Long) value));
        return values;
    }

    /** Invokes {@code evictConnections} on every instance's rotation MBean. */
    void evictConnections() {
        for (Instance instance : instances) {
            try {
                JMX.invoke(objectName(instance.pool()), "evictConnections", new Object[0], new String[0]);
            } catch (JMException e) {
                throw new AssertionError("cannot invoke evictConnections on " + instance.pool() + ": " + e, e);
            }
        }
    }

    /** Waits until every instance reports {@code expected} for {@code attribute}. */
    void awaitEverywhere(String attribute, Object expected) {
        await("every instance reports " + attribute + "=" + expected).atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(everywhere(attribute)).allSatisfy((pool, value) ->
                        assertThat(value).as(pool + " " + attribute).isEqualTo(expected)));
    }

    /** Checks a condition on every instance's value of {@code attribute}. */
    void assertEverywhere(String attribute, Consumer<Object> requirement) {
        assertThat(everywhere(attribute)).allSatisfy((pool, value) -> requirement.accept(value));
    }

    static ObjectName objectName(String pool) {
        try {
            return new ObjectName("io.dualcred:type=Rotation,name=" + ObjectName.quote(pool));
        } catch (JMException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() {
        for (Instance instance : instances) {
            try {
                instance.resource().close();
            } catch (Exception e) {
                // closing the others matters more
            }
        }
    }
}
