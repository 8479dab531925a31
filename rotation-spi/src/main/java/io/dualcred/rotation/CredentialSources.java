package io.dualcred.rotation;

import io.dualcred.rotation.internal.FixedCredentialSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Factories for the built-in credential sources and for sources named by URI.
 *
 * <table>
 *   <caption>Built-in sources</caption>
 *   <tr><th>URI</th><th>Factory</th><th>Reads</th></tr>
 *   <tr><td>{@code env:DB}</td><td>{@link #environment(String)}</td>
 *       <td>{@code DB_USER}, {@code DB_PASSWORD_CURRENT}, {@code DB_PASSWORD_NEXT}, {@code DB_USER_NEXT}</td></tr>
 *   <tr><td>{@code sysprop:db}</td><td>{@link #systemProperties(String)}</td>
 *       <td>the same keys as system properties: {@code db_USER}, {@code db_PASSWORD_CURRENT}, ...</td></tr>
 *   <tr><td>{@code file:/etc/secrets/db}</td><td>{@link #directory(Path)}</td>
 *       <td>one file per key: {@code USER}, {@code PASSWORD_CURRENT}, {@code PASSWORD_NEXT}, {@code USER_NEXT}</td></tr>
 * </table>
 */
public final class CredentialSources {

    private CredentialSources() {
    }

    /**
     * A source that always returns CURRENT only.
     *
     * @param current the credential
     * @return the source
     */
    public static CredentialSource fixed(Credential current) {
        return new FixedCredentialSource(CredentialSet.of(current));
    }

    /**
     * A source that always returns CURRENT and NEXT.
     *
     * @param current the credential in use
     * @param next the credential being rolled out, or {@code null}
     * @return the source
     */
    public static CredentialSource fixed(Credential current, Credential next) {
        return new FixedCredentialSource(CredentialSet.of(current, next));
    }

    /**
     * Environment variables {@code PREFIX_USER}, {@code PREFIX_PASSWORD_CURRENT}, optional
     * {@code PREFIX_PASSWORD_NEXT} (blank counts as absent) and optional {@code PREFIX_USER_NEXT} (defaults to
     * {@code PREFIX_USER}).
     *
     * @param prefix the variable prefix, e.g. {@code DB}
     * @return the source
     */
    public static CredentialSource environment(String prefix) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * System properties with the same keys as {@link #environment(String)}: {@code prefix_USER},
     * {@code prefix_PASSWORD_CURRENT}, {@code prefix_PASSWORD_NEXT}, {@code prefix_USER_NEXT}.
     *
     * @param prefix the property prefix
     * @return the source
     */
    public static CredentialSource systemProperties(String prefix) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * A directory with one file per key ({@code USER}, {@code PASSWORD_CURRENT}, optional {@code PASSWORD_NEXT},
     * optional {@code USER_NEXT}), as written by a Kubernetes secret volume, Vault Agent or the CSI secrets-store
     * driver. The directory is watched for changes.
     *
     * @param directory the directory
     * @return the source
     */
    public static CredentialSource directory(Path directory) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * Caches another source's successful loads for {@code ttl}; concurrent loads share one call to the delegate.
     *
     * @param delegate the source to cache, typically a remote store
     * @param ttl how long a loaded set is served without asking the delegate again
     * @return the caching source
     */
    public static CredentialSource cached(CredentialSource delegate, Duration ttl) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * Resolves a source by URI through the built-in schemes and any {@link CredentialSourceProvider} found by
     * {@link java.util.ServiceLoader}.
     *
     * @param uri e.g. {@code env:DB}, {@code sysprop:db}, {@code file:/etc/secrets/db}
     * @return the source
     * @throws CredentialSourceException when the URI is malformed or no provider handles its scheme
     */
    public static CredentialSource fromUri(String uri) {
        throw new UnsupportedOperationException("not yet implemented: " + URI.create(uri).getScheme());
    }
}
