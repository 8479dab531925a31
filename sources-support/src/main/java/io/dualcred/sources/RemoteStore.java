package io.dualcred.sources;

/**
 * One secret store location, as a store module implements it: a full read of both slots, and a cheap call that
 * tells whether a full read would find something new.
 *
 * <p>Implementations count every call they make to the store with the {@link StoreCallCounter} they share with their
 * {@link RemoteCredentialSource}, and throw exceptions whose messages name the location and the store's answer
 * (status, error code), never a token, a secret value or a URI's user info or query.
 */
public interface RemoteStore {

    /**
     * Reads CURRENT and NEXT, bypassing any cache of the store's client.
     *
     * @return what was read, with its change token
     * @throws Exception when the store cannot be read or holds an invalid secret; the message names the field
     */
    StoreRead read() throws Exception;

    /**
     * Asks the store for its change token: a metadata call, cheaper than {@link #read()} where the store has one.
     * The token changes whenever {@link #read()} would return other credentials; it is compared, never shown.
     *
     * @return the token, in the form {@link StoreRead#version()} carries
     * @throws Exception when the store cannot be asked
     */
    String version() throws Exception;

    /**
     * @return a short description for logs and status, e.g. {@code vault://vault.example:8200/secret/db}; never a
     *     secret
     */
    String description();
}
