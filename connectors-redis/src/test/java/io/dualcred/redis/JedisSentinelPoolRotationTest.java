package io.dualcred.redis;

/** {@link SentinelRotationTest} for the legacy {@code JedisSentinelPool} flavour. */
class JedisSentinelPoolRotationTest extends SentinelRotationTest {

    @Override
    Flavour flavour() {
        return Flavour.JEDIS_SENTINEL_POOL;
    }
}
