package io.dualcred.redis.internal;

import io.dualcred.rotation.spi.ConnectionOpener;
import java.util.Objects;
import java.util.function.Function;
import org.apache.commons.pool2.PooledObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisFactory;

/**
 * The object factory behind a dual-credential {@code JedisSentinelPool}. The pool tells a {@link JedisFactory} the
 * primary's address through its socket factory ({@code setHostAndPort}, after every failover); this one reads that
 * address at each login and otherwise behaves as {@link DualCredentialJedisFactory}, to which it delegates.
 *
 * <p>Each connection gets a socket factory of its own, fixed to the primary it connected to, so that the pool's own
 * check (a lent connection must point at the current primary) recognises connections to a former primary.
 */
public final class SentinelJedisFactory extends JedisFactory {

    private final DualCredentialJedisFactory delegate;

    private SentinelJedisFactory(DefaultJedisSocketFactory primary, ClientSettings settings,
                                 DualCredentialJedisFactory delegate) {
        super(primary, settings.clientConfig(null));
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * @param poolName the pool name, for log lines
     * @param settings the client settings; the address is the pool's business
     * @param tagSessions whether client names show the credential version
     * @param bookkeeping makes the rotation bookkeeping of the pool from the opener given to it
     * @return the factory
     */
    public static SentinelJedisFactory create(String poolName, ClientSettings settings, boolean tagSessions,
                                              Function<ConnectionOpener<Connection>,
                                                      RotatingConnections<Jedis>> bookkeeping) {
        DefaultJedisSocketFactory primary = new DefaultJedisSocketFactory(settings.address(),
                settings.clientConfig(null));
        ConnectionOpener<Connection> opener = credential -> {
            ClientSettings now = settings.withAddress(primary.getHostAndPort());
            return new RedisConnectionOpener(now, now.socketFactory(), tagSessions).open(credential);
        };
        return new SentinelJedisFactory(primary, settings,
                new DualCredentialJedisFactory(poolName, bookkeeping.apply(opener), settings.database()));
    }

    @Override
    public PooledObject<Jedis> makeObject() throws Exception {
        return delegate.makeObject();
    }

    @Override
    public void activateObject(PooledObject<Jedis> pooled) throws Exception {
        delegate.activateObject(pooled);
    }

    @Override
    public void passivateObject(PooledObject<Jedis> pooled) throws Exception {
        delegate.passivateObject(pooled);
    }

    @Override
    public boolean validateObject(PooledObject<Jedis> pooled) {
        return delegate.validateObject(pooled);
    }

    @Override
    public void destroyObject(PooledObject<Jedis> pooled) {
        delegate.destroyObject(pooled);
    }
}
