package io.dualcred.redis.internal;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.Pool;

/**
 * The connection provider of a dual-credential {@code RedisSentinelClient}. Jedis asks the Sentinels for the primary
 * and follows their {@code +switch-master} announcements; the connections come from {@link NodePools}, a
 * dual-credential pool for the primary of the moment, instead of the plain pool Jedis makes for it. A failover thus
 * changes the node, never the credential.
 *
 * <p>The Sentinel connections themselves log in through a second engine when the Sentinels have credentials of their
 * own ({@link SentinelLogins}); Jedis takes them from {@link #defaultSentinelConnectionFactory()}, which it asks for
 * while it is being constructed, hence the hand-over through a thread-local in {@link #create}.
 */
public final class RotatingSentinelConnectionProvider extends SentineledConnectionProvider {

    private static final ThreadLocal<SentinelLogins> SENTINEL_LOGINS = new ThreadLocal<>();

    private final NodePools pools;
    /** The primary the last connection went to; when the Sentinels name another, the former one's pool is closed. */
    private final AtomicReference<HostAndPort> lastPrimary = new AtomicReference<>();

    private RotatingSentinelConnectionProvider(String masterName, JedisClientConfig masterConfig,
                                               Set<HostAndPort> sentinels, JedisClientConfig sentinelConfig,
                                               NodePools pools) {
        super(masterName, masterConfig, NodePools.unusedPlainPoolConfig(), sentinels, sentinelConfig);
        this.pools = Objects.requireNonNull(pools, "pools");
    }

    /**
     * Asks the Sentinels for the primary and starts listening for failovers.
     *
     * @param masterName the monitored primary's name
     * @param settings the client settings (their address is unused)
     * @param sentinels the Sentinels
     * @param sentinelLogins logs in to the Sentinels
     * @param pools the node pools
     * @return the provider
     */
    public static RotatingSentinelConnectionProvider create(String masterName, ClientSettings settings,
                                                            Set<HostAndPort> sentinels, SentinelLogins sentinelLogins,
                                                            NodePools pools) {
        SENTINEL_LOGINS.set(sentinelLogins);
        try {
            // Jedis 8 opens its Sentinel connections through defaultSentinelConnectionFactory(), overridden below;
            // earlier versions lack it and use this configuration, whose credentials are found by a login through
            // the Sentinel engine at each connection.
            return new RotatingSentinelConnectionProvider(masterName, settings.clientConfig(null), sentinels,
                    sentinelLogins.configFor(sentinels), pools);
        } finally {
            SENTINEL_LOGINS.remove();
        }
    }

    @Override
    protected SentinelConnectionFactory defaultSentinelConnectionFactory() {
        SentinelLogins logins = SENTINEL_LOGINS.get();
        return logins != null ? (node, ignoredConfig) -> logins.open(node) : super.defaultSentinelConnectionFactory();
    }

    @Override
    public Connection getConnection() {
        return pools.pool(primary()).getResource();
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return getConnection();
    }

    @Override
    public Map<?, Pool<Connection>> getConnectionMap() {
        HostAndPort primary = primary();
        return Collections.singletonMap(primary, pools.pool(primary));
    }

    /**
     * The primary the Sentinels name now. After a failover, the one caller that first sees the new primary closes
     * the former primary's pool (closing its idle connections); the others go on to the new primary's pool without
     * waiting for that.
     */
    private HostAndPort primary() {
        HostAndPort primary = getCurrentMaster();
        HostAndPort last = lastPrimary.get();
        if (!primary.equals(last) && lastPrimary.compareAndSet(last, primary)) {
            pools.closeAllBut(primary);
        }
        return primary;
    }

    @Override
    public Map<?, Pool<Connection>> getPrimaryNodesConnectionMap() {
        return getConnectionMap();
    }
}
