package io.dualcred.rotation;

/**
 * The operator's handle on one dual-credential pool, whatever it pools: what it uses now, and the two actions a
 * rotation needs. {@code DualCredentialDataSource} implements it, and the Redis client and pool hand one out from
 * {@code rotation()}, so that code which watches or drives every pool of a service (a health endpoint, a rotation
 * job) treats PostgreSQL and Redis alike:
 * <pre>{@code
 * List<RotationControl> pools = List.of(dataSource, redis.rotation());
 * boolean allOnNext = pools.stream().allMatch(pool -> pool.status().activeSlot() == Slot.NEXT);
 * }</pre>
 * What {@code rotation()} returns is the handle of the {@link io.dualcred.rotation.spi.RotationEngine} behind the
 * pool, never the engine itself, so code holding it cannot close the pool's rotation. The same attributes and
 * operations are published over JMX ({@link RotationMXBean}) when the pool registers its MBean. Nothing reachable
 * from here shows a password.
 */
public interface RotationControl {

    /** @return the pool name, which prefixes log lines and events and names the MBean */
    String poolName();

    /** @return a snapshot: active slot and username, source revision, last switch, counters */
    RotationStatus status();

    /**
     * Re-reads the credential source now, so that a promotion or a newly staged NEXT shows in the status. Nothing is
     * switched or evicted: the active credential changes only when the server rejects it. During a backoff after
     * every credential was rejected, new credentials are tried at the next login.
     *
     * @return the status after the read
     */
    RotationStatus refresh();

    /**
     * Retires every connection open now, gently: idle ones at once, busy ones when they are returned. New connections
     * log in with the active credential and, if the server rejects it, fall back and switch. After changing a
     * password on the server, this makes a pool that needs no new connection move to the new credential.
     */
    void evictConnections();
}
