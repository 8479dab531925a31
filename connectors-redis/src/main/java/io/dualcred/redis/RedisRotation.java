package io.dualcred.redis;

import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationEngine;
import io.dualcred.rotation.RotationStatus;
import java.util.Objects;

/**
 * What a dual-credential Redis client or pool offers beyond Jedis: its rotation status, and a way to re-read the
 * credential source or retire connections on demand. Obtained from {@link DualCredentialRedisClient#rotation()} or
 * {@link DualCredentialJedisPool#rotation()}; the same operations are available over JMX when the MBean is
 * registered ({@link DualCredentialRedis.Builder#registerMBean(boolean)}). It is the {@link RotationControl} of that
 * client or pool, as a {@code DualCredentialDataSource} is its own.
 */
public final class RedisRotation implements RotationControl {

    private final RotationEngine engine;

    RedisRotation(RotationEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** @return the pool name that prefixes log lines, events and the MBean name */
    @Override
    public String poolName() {
        return engine.poolName();
    }

    /**
     * @return the active slot and username, source revision, last switch and counters; never a password
     */
    @Override
    public RotationStatus status() {
        return engine.status();
    }

    /**
     * Re-reads the credential source now, so that a promotion or a newly staged NEXT shows in the status. Nothing
     * is switched: the active credential changes only when the server rejects it.
     *
     * @return the status after the read
     */
    @Override
    public RotationStatus refresh() {
        return engine.refresh();
    }

    /**
     * Retires every connection open now: idle ones are closed at once, connections in use when they are returned.
     * New connections log in with the active credential and, if the server rejects it, fall back and switch.
     *
     * <p>A pool that already holds all the connections it needs opens no new ones, so after changing a password
     * on the server this is how an operator makes a running instance move to the new credential.
     */
    @Override
    public void evictConnections() {
        engine.evictConnections();
    }

    @Override
    public String toString() {
        return "RedisRotation[" + engine.poolName() + "]";
    }
}
