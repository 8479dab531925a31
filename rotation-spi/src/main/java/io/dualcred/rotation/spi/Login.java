package io.dualcred.rotation.spi;

import io.dualcred.rotation.Slot;
import java.util.Objects;

/**
 * A connection opened by {@link RotationEngine#openWithFallback(ConnectionOpener)}, with the credential generation
 * and slot it was opened with.
 *
 * <p>The generation is what eviction works on: it increases each time the engine switches credentials or is asked
 * to evict. A connection whose generation is lower than {@link RotationEngine#generation()} was made before the
 * latest switch and should be retired (see {@link RotationEngine#isStale(long)}); this also covers a connection
 * whose login was in flight while the switch happened.
 *
 * @param connection the authenticated connection
 * @param generation the credential generation it belongs to
 * @param slot the slot of the credential it used
 * @param username the username it logged in as
 * @param <C> the connection type
 */
public record Login<C>(C connection, long generation, Slot slot, String username) {

    /**
     * @param connection the authenticated connection
     * @param generation the credential generation it belongs to
     * @param slot the slot of the credential it used
     * @param username the username it logged in as
     */
    public Login {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(username, "username");
    }
}
