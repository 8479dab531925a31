/**
 * Jedis clients and pools that survive Redis password rotation: {@code io.dualcred.redis}. Its {@code internal}
 * package is not exported.
 */
// Resolved by their Automatic-Module-Name, which their authors keep stable.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.dualcred.redis {
    // The builder takes a CredentialSource, a RotationConfig and listeners; rotation() answers a RotationControl.
    requires transitive io.dualcred.rotation;
    // DualCredentialJedisPool is a JedisPool; the client hands out a RedisClient.
    requires transitive redis.clients.jedis;
    // The builder takes a GenericObjectPoolConfig.
    requires transitive org.apache.commons.pool2;
    requires org.slf4j;

    exports io.dualcred.redis;
}
