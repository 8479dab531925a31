/**
 * Jedis clients and pools that survive Redis password rotation.
 *
 * <p>The connector is being built; see the project's README for its status.
 */
package io.dualcred.redis;
