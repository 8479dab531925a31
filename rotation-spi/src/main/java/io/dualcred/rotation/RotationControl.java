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
     * Re-reads the credential source now and applies it as any read does: a newly staged NEXT shows in the status; a
     * source that no longer lists the active credential (a promotion this pool has not switched for, a rollback)
     * moves new logins to its CURRENT and replaces the old connections, make before break. A staged NEXT alone
     * switches nothing: that happens when the server rejects the active credential. During a backoff after every
     * credential was rejected, a changed source ends the backoff.
     *
     * @return the status after the read
     */
    RotationStatus refresh();

    /**
     * Replaces every connection open now, make before break: a replacement logs in with the active credential (and,
     * if the server rejects it, falls back and switches) before each old connection is retired, idle ones as their
     * replacements are ready and busy ones when returned; the pool never holds fewer connections than before. The
     * replacements log in at random moments spread over {@link RotationConfig#replacementWindow()}, as after a
     * switch. The pool does this by itself after a switch or a promotion; call it for what the engine cannot see,
     * e.g. to move a pool that needs no new connection onto a password changed on the server before the store knows
     * it.
     */
    void evictConnections();
}
