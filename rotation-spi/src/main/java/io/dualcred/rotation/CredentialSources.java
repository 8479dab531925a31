package io.dualcred.rotation;

import io.dualcred.rotation.internal.CachedCredentialSource;
import io.dualcred.rotation.internal.CredentialSourceResolver;
import io.dualcred.rotation.internal.DirectoryCredentialSource;
import io.dualcred.rotation.internal.FixedCredentialSource;
import io.dualcred.rotation.internal.PrefixedKeyCredentialSource;
import java.nio.file.Path;
import java.time.Clock;
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
 *
 * <p>For all three, {@code PASSWORD_NEXT} is optional and a blank one counts as absent, {@code USER_NEXT} defaults
 * to {@code USER} and matters only when a NEXT password is present, and a missing or blank {@code USER} or
 * {@code PASSWORD_CURRENT} fails the load with a {@link CredentialSourceException} naming the key.
 *
 * <p>Two more keys are optional and not secret: {@code VERSION_CURRENT} and {@code VERSION_NEXT} label each password
 * with the operator's version of it (e.g. {@code 7}, see {@link Credential#withVersion(String)}); the connectors show
 * it on the server beside every session. Move {@code VERSION_NEXT} to {@code VERSION_CURRENT} together with the
 * password when promoting. Without them, sessions are tagged {@code unversioned}.
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
     * @return the source, described as {@code env:PREFIX}
     * @throws IllegalArgumentException when {@code prefix} is blank
     */
    public static CredentialSource environment(String prefix) {
        return PrefixedKeyCredentialSource.environment(prefix);
    }

    /**
     * System properties with the same keys as {@link #environment(String)}: {@code prefix_USER},
     * {@code prefix_PASSWORD_CURRENT}, {@code prefix_PASSWORD_NEXT}, {@code prefix_USER_NEXT}.
     *
     * @param prefix the property prefix
     * @return the source, described as {@code sysprop:prefix}; properties are read afresh on every load
     * @throws IllegalArgumentException when {@code prefix} is blank
     */
    public static CredentialSource systemProperties(String prefix) {
        return PrefixedKeyCredentialSource.systemProperties(prefix);
    }

    /**
     * A directory with one file per key ({@code USER}, {@code PASSWORD_CURRENT}, optional {@code PASSWORD_NEXT},
     * optional {@code USER_NEXT}), as written by a Kubernetes secret volume, Vault Agent or the CSI secrets-store
     * driver. Each file's content is read as UTF-8 with one trailing line break removed.
     *
     * <p>The files are read as one consistent set: in a Kubernetes volume every key is read from the one directory
     * {@code ..data} points at, and a file modified less than 200 ms before a load is given time to be written
     * completely before it is trusted. {@link CredentialSource#watch} watches the directory (or, where the platform
     * cannot, polls it every second) and reports a change once the directory has been quiet for 200 ms.
     *
     * @param directory the directory
     * @return the source, described as {@code file:/absolute/path}
     * @throws CredentialSourceException when the directory does not exist, is not a directory or cannot be read
     */
    public static CredentialSource directory(Path directory) {
        return DirectoryCredentialSource.builder(directory).build();
    }

    /**
     * Caches another source's successful loads for {@code ttl}; concurrent loads share one call to the delegate.
     * Failures are not cached, and a change the delegate reports through {@link CredentialSource#watch} drops
     * the cached set. {@link CredentialSource#loadFresh()} calls the delegate's {@code loadFresh()} and never
     * returns a read that began before it was called; fresh loads arriving together still share one read.
     *
     * @param delegate the source to cache, typically a remote store
     * @param ttl how long a loaded set is served without asking the delegate again
     * @return the caching source, described as {@code cached(<delegate's description>)}
     * @throws IllegalArgumentException when {@code ttl} is not positive
     */
    public static CredentialSource cached(CredentialSource delegate, Duration ttl) {
        return new CachedCredentialSource(delegate, ttl, Clock.systemUTC());
    }

    /**
     * Resolves a source by URI through the built-in schemes, which are always known, and any
     * {@link CredentialSourceProvider} that {@link java.util.ServiceLoader} finds through the thread's context class
     * loader or the loader that loaded dualcred.
     *
     * @param uri e.g. {@code env:DB}, {@code sysprop:db}, {@code file:/etc/secrets/db}
     * @return the source
     * @throws CredentialSourceException when the URI is malformed or no provider handles its scheme; the message
     *         shows the URI's scheme and, for a hierarchical URI, its host and path, never its user info or query
     */
    public static CredentialSource fromUri(String uri) {
        return CredentialSourceResolver.resolve(uri);
    }
}
