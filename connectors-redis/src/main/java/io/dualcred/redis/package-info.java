/**
 * Jedis clients and pools that survive Redis password rotation.
 *
 * <p>{@link io.dualcred.redis.DualCredentialRedis#builder()} takes the usual Jedis client and pool settings plus a
 * {@link io.dualcred.rotation.CredentialSource} and builds either a {@link redis.clients.jedis.RedisClient}
 * ({@link io.dualcred.redis.DualCredentialRedisClient}) or a {@link redis.clients.jedis.JedisPool}
 * ({@link io.dualcred.redis.DualCredentialJedisPool}). Both open every connection through the shared
 * {@link io.dualcred.rotation.spi.RotationEngine}: when Redis rejects the active credential they fall back to the other
 * one and retire the connections made before the switch. Their {@code rotation()}, a
 * {@link io.dualcred.rotation.RotationControl}, is what both offer beyond Jedis: status, refresh and eviction. When every credential is rejected callers get a
 * {@link io.dualcred.redis.RedisCredentialsRejectedException}, a Jedis access-control exception.
 *
 * <p>Classes under {@code io.dualcred.redis.internal} are not part of the API.
 */
package io.dualcred.redis;
