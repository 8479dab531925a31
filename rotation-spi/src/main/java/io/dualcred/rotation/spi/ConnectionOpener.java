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

    /**
     * The server this opener logs in to, for an engine that serves several with one credential (a cluster's
     * nodes): a round in which that server rejects every credential then backs off the logins to that server only,
     * and the others go on logging in with the active credential. {@code null} (the default) for an engine with
     * one server, where a rejected round backs off every login.
     *
     * @return e.g. {@code 10.0.0.7:6379}, or {@code null}
     */
    default String target() {
        return null;
    }
}
