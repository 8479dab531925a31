package io.dualcred.redis;

import io.dualcred.redis.internal.ClientSettings;
import io.dualcred.redis.internal.NodePools;
import io.dualcred.redis.internal.RotatingConnections;
import io.dualcred.redis.internal.RotatingSentinelConnectionProvider;
import io.dualcred.redis.internal.SentinelJedisFactory;
import io.dualcred.redis.internal.SentinelLogins;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.RedisSentinelClient;

/**
 * Builds dual-credential clients of a Sentinel-managed primary: a {@link RedisSentinelClient}
 * ({@link #buildClient()}) or a legacy {@code JedisSentinelPool} ({@link #buildPool()}). Reached from {@link DualCredentialRedis.Builder#sentinel}, which holds the settings of
 * the connections to the primary:
 *
 * <pre>{@code
 * DualCredentialRedisSentinelClient redis = DualCredentialRedis.builder()
 *         .credentialSource(CredentialSources.fromUri("env:REDIS"))
 *         .sentinel("orders", List.of(new HostAndPort("sentinel-0.internal", 26379)))
 *         .sentinelCredentialSource(CredentialSources.fromUri("env:REDIS_SENTINEL"))
 *         .buildClient();
 * }</pre>
 *
 * <p>The data nodes' credentials come from the builder's {@link DualCredentialRedis.Builder#credentialSource
 * credential source}; the Sentinels' own (their ACL user or {@code requirepass}), when they have any, from
 * {@link #sentinelCredentialSource}. Both rotate, each with its own engine. A failover makes the client use a pool for
 * the new primary; it never changes a credential.
 */
public final class SentinelBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelBuilder.class);

    private final DualCredentialRedis.Builder common;
    private final String masterName;
    private final Set<HostAndPort> sentinels;
    private CredentialSource sentinelSource;

    SentinelBuilder(DualCredentialRedis.Builder common, String masterName, Collection<HostAndPort> sentinels) {
        this.common = Objects.requireNonNull(common, "common");
        if (masterName == null || masterName.isBlank()) {
            throw new IllegalArgumentException("masterName must not be blank");
        }
        Objects.requireNonNull(sentinels, "sentinels");
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("sentinels must name at least one Sentinel");
        }
        sentinels.forEach(node -> Objects.requireNonNull(node, "sentinels must not contain null"));
        this.masterName = masterName;
        this.sentinels = new LinkedHashSet<>(sentinels);
    }

    /**
     * @param source where the Sentinels' own CURRENT and NEXT come from (a username {@code default} for a
     *     {@code requirepass}); without one, Sentinel connections do not authenticate
     * @return this builder
     */
    public SentinelBuilder sentinelCredentialSource(CredentialSource source) {
        this.sentinelSource = Objects.requireNonNull(source, "sentinelCredentialSource");
        return this;
    }

    /**
     * Builds a {@link RedisSentinelClient}. Reads the sources, asks the Sentinels for the primary and starts
     * listening for failovers; connects to the primary when the first command runs.
     *
     * @return the client and its rotation controls
     * @throws RedisCredentialsRejectedException when the Sentinels reject every Sentinel credential
     * @throws CredentialSourceException when a source cannot be read
     */
    public DualCredentialRedisSentinelClient buildClient() {
        ClientSettings settings = common.settings();
        String name = common.resolvePoolName();
        GenericObjectPoolConfig<Connection> poolConfig = common.typedPoolConfig(ConnectionPoolConfig::new);
        NodePools pools = new NodePools(name, settings, common.tagSessions(), poolConfig);
        RotationEngine engine = common.startEngine(name, common.source(), pools);
        pools.attach(engine);
        RotationEngine sentinelEngine = null;
        RotatingSentinelConnectionProvider provider = null;
        try {
            // Sentinel connections are not pooled: nothing to replace after a switch.
            sentinelEngine = sentinelSource == null ? null
                    : common.startEngine(name + "-sentinels", sentinelSource, generation -> { });
            provider = RotatingSentinelConnectionProvider.create(masterName, settings, sentinels,
                    new SentinelLogins(settings, sentinelEngine), pools);
            RedisSentinelClient client = RedisSentinelClient.builder()
                    .masterName(masterName)
                    .sentinels(sentinels)
                    .clientConfig(settings.commandConfig())
                    .connectionProvider(provider)
                    .build();
            LOG.info("{} - dual-credential RedisSentinelClient for {} through Sentinels {} ({}{}, database {}, at "
                    + "most {} connections, Sentinel credentials {})", name, masterName, sentinels,
                    settings.protocolDescription(), settings.ssl() ? ", TLS" : "", settings.database(),
                    poolConfig.getMaxTotal(), sentinelSource == null ? "none" : "rotating");
            return new DualCredentialRedisSentinelClient(client, engine, sentinelEngine, pools);
        } catch (RuntimeException e) {
            if (provider != null) {
                provider.close();
            }
            pools.close();
            engine.close();
            if (sentinelEngine != null) {
                sentinelEngine.close();
            }
            throw e;
        }
    }

    /**
     * Builds a legacy {@link redis.clients.jedis.JedisSentinelPool}, RESP2 only. Reads the sources, asks the
     * Sentinels for the primary and starts listening for failovers; connects to the primary when the first
     * {@code Jedis} is borrowed. Jedis opens the Sentinel connections of this pool itself, with credentials it asks
     * for each time: each costs one extra login to a Sentinel, through the Sentinel engine.
     *
     * @return the pool, which also offers the rotation controls
     * @throws IllegalStateException when RESP3 was asked for
     * @throws RedisCredentialsRejectedException when the Sentinels reject every Sentinel credential
     * @throws CredentialSourceException when a source cannot be read
     */
    public DualCredentialJedisSentinelPool buildPool() {
        ClientSettings settings = common.settings();
        if (settings.protocol() == RedisProtocol.RESP3) {
            throw new IllegalStateException("a JedisSentinelPool lends Jedis objects, which speak RESP2 only: use "
                    + "protocol(RESP2) or buildClient()");
        }
        String name = common.resolvePoolName();
        GenericObjectPoolConfig<Jedis> poolConfig = common.typedPoolConfig(JedisPoolConfig::new);
        AtomicReference<RotatingConnections<Jedis>> made = new AtomicReference<>();
        SentinelJedisFactory factory = SentinelJedisFactory.create(name, settings, common.tagSessions(), opener -> {
            made.set(new RotatingConnections<>(name, opener, Jedis::new, "primary of " + masterName));
            return made.get();
        });
        RotatingConnections<Jedis> connections = made.get();
        RotationEngine engine = common.startEngine(name, common.source(), connections);
        connections.attach(engine);
        RotationEngine sentinelEngine = null;
        try {
            sentinelEngine = sentinelSource == null ? null
                    : common.startEngine(name + "-sentinels", sentinelSource, generation -> { });
            SentinelLogins logins = new SentinelLogins(settings, sentinelEngine);
            DualCredentialJedisSentinelPool pool = new DualCredentialJedisSentinelPool(masterName, sentinels,
                    poolConfig, factory, logins.configFor(sentinels), engine,
                    sentinelEngine, connections);
            connections.attach(pool);
            LOG.info("{} - dual-credential JedisSentinelPool for {} through Sentinels {} ({}{}, database {}, at most"
                    + " {} connections, Sentinel credentials {})", name, masterName, sentinels,
                    settings.protocolDescription(), settings.ssl() ? ", TLS" : "", settings.database(),
                    poolConfig.getMaxTotal(), sentinelSource == null ? "none" : "rotating");
            return pool;
        } catch (RuntimeException e) {
            connections.close();
            engine.close();
            if (sentinelEngine != null) {
                sentinelEngine.close();
            }
            throw e;
        }
    }
}
