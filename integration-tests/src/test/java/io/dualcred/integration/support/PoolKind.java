package io.dualcred.integration.support;

import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import java.util.stream.Stream;

/** The three kinds of pool dualcred offers, each with the server it talks to. */
public enum PoolKind {
    /** {@code DualCredentialDataSource}: HikariCP and pgjdbc. */
    POSTGRES,
    /** A Jedis {@code RedisClient} built by {@code DualCredentialRedis.buildClient()}. */
    REDIS_CLIENT,
    /** A {@code JedisPool} built by {@code DualCredentialRedis.buildPool()}. */
    JEDIS_POOL;

    /** @return every kind: for scenarios about how pools behave */
    public static Stream<PoolKind> all() {
        return Stream.of(values());
    }

    /**
     * @return one kind per server, for scenarios about credential sources, whose handling the two connectors share
     *     through the engine
     */
    public static Stream<PoolKind> onePerServer() {
        return Stream.of(POSTGRES, REDIS_CLIENT);
    }

    /** @return whether it talks to Redis */
    public boolean isRedis() {
        return this != POSTGRES;
    }

    /** @return the server shared by every scenario of this JVM that does not stop it */
    public ServerAdmin sharedServer() {
        return isRedis() ? new RedisAdmin(RedisServer.shared()) : new PostgresAdmin(PostgresServer.shared());
    }

    /** @return a private server, for scenarios that stop it; close it afterwards */
    public ServerAdmin startNewServer() {
        return isRedis() ? new RedisAdmin(RedisServer.startNew()) : new PostgresAdmin(PostgresServer.startNew());
    }

    /**
     * @param server a server of this kind
     * @param spec the pool wanted
     * @return the running pool
     */
    public PoolUnderTest open(ServerAdmin server, PoolSpec spec) {
        return isRedis() ? RedisPool.open(this, server, spec) : PostgresPool.open((PostgresAdmin) server, spec);
    }
}
