package io.dualcred.rotation.spi;

/**
 * The connector's way to retire connections after the engine switched credentials or was asked to evict.
 *
 * <p>Every connection the engine hands out is tagged with a generation ({@link Login#generation()}). When called,
 * the connector should close idle connections of older generations now and busy ones when they are returned, so
 * that a later revocation of the old credential finds nothing stale.
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
