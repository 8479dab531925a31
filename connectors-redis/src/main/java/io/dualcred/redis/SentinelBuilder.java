package io.dualcred.redis;

import io.dualcred.redis.internal.ClientSettings;
import io.dualcred.redis.internal.NodePools;
import io.dualcred.redis.internal.RotatingSentinelConnectionProvider;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisSentinelClient;

/**
 * Builds dual-credential clients of a Sentinel-managed primary: a {@link RedisSentinelClient}
 * ({@link #buildClient()}). Reached from {@link DualCredentialRedis.Builder#sentinel}, which holds the settings of
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
                    sentinelSettings(settings), sentinelEngine, pools);
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

    /** Sentinels speak RESP2 with plain {@code AUTH}, in database 0, under no client name. */
    private static ClientSettings sentinelSettings(ClientSettings settings) {
        return new ClientSettings(settings.address(), settings.connectionTimeoutMillis(),
                settings.socketTimeoutMillis(), 0, 0, null, settings.ssl(), settings.sslSocketFactory(),
                settings.sslParameters(), settings.hostnameVerifier(), null);
    }
}
