package io.dualcred.redis;

import io.dualcred.redis.RedisFixtures.Flavour;
import java.util.stream.Stream;

/**
 * The flavours under test, for {@code @MethodSource("io.dualcred.redis.Flavours#tested")}. A class of its own, with
 * no Jedis type in any signature: JUnit reads every method of the class it names, and on Jedis 6.0.0 (the
 * version-range build) a signature with {@code RedisClient} would not load.
 */
final class Flavours {

    private Flavours() {
    }

    static Stream<Flavour> tested() {
        return Flavour.tested().stream();
    }
}
