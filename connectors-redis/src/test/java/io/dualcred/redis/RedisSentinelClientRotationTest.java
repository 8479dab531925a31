package io.dualcred.redis;

/** {@link SentinelRotationTest} for the {@code RedisSentinelClient} flavour. */
class RedisSentinelClientRotationTest extends SentinelRotationTest {

    @Override
    Flavour flavour() {
        return Flavour.REDIS_SENTINEL_CLIENT;
    }
}
