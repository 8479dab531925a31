package io.dualcred.sources;

import io.dualcred.rotation.CredentialSet;
import java.util.Objects;

/**
 * What one read of a secret store found.
 *
 * @param credentials CURRENT and, when staged, NEXT
 * @param version the store's change token for what was read, in the form {@link RemoteStore#version()} answers, so
 *     that a later version check can tell whether anything changed since; {@code null} when the read cannot tell
 */
public record StoreRead(CredentialSet credentials, String version) {

    /**
     * @param credentials CURRENT and, when staged, NEXT
     * @param version the change token, or {@code null}
     */
    public StoreRead {
        Objects.requireNonNull(credentials, "credentials");
    }
}
