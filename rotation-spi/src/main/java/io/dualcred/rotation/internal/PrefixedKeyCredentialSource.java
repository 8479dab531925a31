package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import java.net.URI;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Reads {@code PREFIX_USER}, {@code PREFIX_PASSWORD_CURRENT}, {@code PREFIX_PASSWORD_NEXT},
 * {@code PREFIX_USER_NEXT} and the non-secret {@code PREFIX_VERSION_CURRENT} and {@code PREFIX_VERSION_NEXT} from a
 * flat name-to-value store: the process environment or the system properties.
 *
 * <p>The store is looked up afresh on every {@link #load()}; system properties can therefore change at runtime,
 * the environment of a running process cannot.
 */
public final class PrefixedKeyCredentialSource extends DescribedCredentialSource {

    private final String kind;
    private final String prefix;
    private final UnaryOperator<String> lookup;

    /**
     * @param scheme the URI scheme, used in the description, e.g. {@code env}
     * @param kind what a key is called in messages, e.g. {@code environment variable}
     * @param prefix the key prefix; must not be blank
     * @param lookup returns the value for a full key such as {@code DB_USER}, or {@code null} when it is absent
     * @throws IllegalArgumentException when {@code prefix} is blank
     */
    public PrefixedKeyCredentialSource(String scheme, String kind, String prefix, UnaryOperator<String> lookup) {
        super(scheme + ":" + requireNonBlank(prefix));
        this.kind = Objects.requireNonNull(kind, "kind");
        this.prefix = prefix;
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /**
     * @param prefix the variable prefix, e.g. {@code DB}
     * @return a source reading the process environment
     */
    public static PrefixedKeyCredentialSource environment(String prefix) {
        return new PrefixedKeyCredentialSource("env", "environment variable", prefix, System::getenv);
    }

    /**
     * @param prefix the property prefix, e.g. {@code db}
     * @return a source reading the system properties
     */
    public static PrefixedKeyCredentialSource systemProperties(String prefix) {
        return new PrefixedKeyCredentialSource("sysprop", "system property", prefix, System::getProperty);
    }

    /**
     * Takes the prefix from an opaque URI such as {@code env:DB}.
     *
     * @param location the URI
     * @return the scheme-specific part
     * @throws CredentialSourceException when the URI is hierarchical ({@code env:/DB}), has a fragment, or carries
     *         what looks like a query or user info
     */
    static String prefixOf(URI location) {
        String scheme = location.getScheme();
        if (!location.isOpaque() || location.getFragment() != null) {
            throw new CredentialSourceException("credential source URI " + SourceUris.redact(location)
                    + " is not of the form " + scheme + ":PREFIX, e.g. " + scheme + ":DB");
        }
        String prefix = location.getSchemeSpecificPart();
        // No variable is named like that; a '?' or '@' is far more likely the start of a token, which would
        // otherwise end up in the description and in every message the source writes.
        if (prefix.indexOf('?') >= 0 || prefix.indexOf('@') >= 0) {
            throw new CredentialSourceException("credential source URI " + SourceUris.redact(location)
                    + " must not carry a query or user info: " + scheme + ": takes only a prefix, e.g. "
                    + scheme + ":DB");
        }
        return prefix;
    }

    @Override
    public CredentialSet load() {
        return CredentialKeys.assemble(description, key -> lookup.apply(fullKey(key)),
                key -> kind + " " + fullKey(key), "is not set");
    }

    private static String requireNonBlank(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("prefix must not be blank");
        }
        return prefix;
    }

    private String fullKey(String key) {
        return prefix + "_" + key;
    }
}
