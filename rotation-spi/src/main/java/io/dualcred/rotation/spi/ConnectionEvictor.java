package io.dualcred.rotation.spi;

/**
 * The connector's way to replace connections after the engine switched credentials, followed the store to another
 * credential, or was asked to evict.
 *
 * <p>Every connection the engine hands out is tagged with a generation ({@link Login#generation()}). When called,
 * the connector should replace the connections of older generations make before break ({@link ConnectionReplacer}
 * does it for a pool that plugs in its {@link ConnectionReplacer.Pool}), so that a later revocation of the old
 * credential finds nothing stale. It must return at once: the engine calls it right after a state change.
 */
@FunctionalInterface
public interface ConnectionEvictor {

    /**
     * Retires every connection whose generation is lower than {@code generation}.
     *
     * @param generation the generation now in force
     */
    void evictOlderThan(long generation);
}
