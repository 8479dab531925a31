package io.dualcred.rotation;

import java.net.URI;

/**
 * Creates credential sources for one URI scheme, so that {@link CredentialSources#fromUri(String)} can resolve
 * locations such as {@code vault:secret/db} added by third-party jars.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/io.dualcred.rotation.CredentialSourceProvider}, and in a named module declare
 * {@code provides io.dualcred.rotation.CredentialSourceProvider with ...} as well. They need a public no-argument
 * constructor. The built-in schemes are {@code env}, {@code sysprop} and {@code file}.
 */
public interface CredentialSourceProvider {

    /**
     * @return the URI scheme this provider handles, lower case, e.g. {@code vault}
     */
    String scheme();

    /**
     * Creates a source for a location with this provider's scheme.
     *
     * @param location the whole URI, e.g. {@code env:DB} or {@code file:/etc/secrets/db}. Its user info and query
     *     may hold a secret: name the location in messages and in the source's description by scheme, host and path
     *     only
     * @return the source
     * @throws CredentialSourceException when the location is invalid, naming what is wrong
     */
    CredentialSource create(URI location);
}
