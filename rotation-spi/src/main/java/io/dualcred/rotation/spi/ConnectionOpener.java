package io.dualcred.rotation.spi;

import io.dualcred.rotation.Credential;

/**
 * Opens one physical connection with a given credential: the connector's side of
 * {@link RotationEngine#openWithFallback(ConnectionOpener)}.
 *
 * @param <C> the connection type, e.g. {@code java.sql.Connection}
 */
@FunctionalInterface
public interface ConnectionOpener<C> {

    /**
     * Opens and authenticates a connection.
     *
     * @param credential the credential to log in with
     * @return the authenticated connection
     * @throws Exception whatever the driver throws; the engine classifies it with the connector's
     *     {@link AuthFailureClassifier}
     */
    C open(Credential credential) throws Exception;
}
