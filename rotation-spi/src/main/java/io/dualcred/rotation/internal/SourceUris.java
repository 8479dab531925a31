package io.dualcred.rotation.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The form of a credential source URI that messages and descriptions may show.
 *
 * <p>A source URI is where a token tends to end up: in the user info ({@code vault://app:token@host/...}), in the
 * query ({@code ?token=...}) or anywhere in the opaque part of a URI such as {@code vault:app:token@host}. So a
 * message shows the scheme and, for a hierarchical URI, the host, port and path; everything else is left out, and
 * an opaque or malformed URI shows its scheme followed by {@code ...}.
 */
final class SourceUris {

    /** What RFC 3986 allows in a scheme; used only when the URI cannot be parsed. */
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

    private SourceUris() {
    }

    /**
     * @param uri a URI as a user wrote it; may be malformed
     * @return the safe form, e.g. {@code vault://vault.example:8200/secret/db} or {@code env:...}
     */
    static String redact(String uri) {
        if (uri == null) {
            return "null";
        }
        try {
            return redact(new URI(uri.strip()));
        } catch (URISyntaxException e) {
            Matcher scheme = SCHEME.matcher(uri.strip());
            return scheme.find() ? scheme.group(1) + ":..." : "...";
        }
    }

    /**
     * @param uri a parsed URI
     * @return the safe form, e.g. {@code vault://vault.example:8200/secret/db} or {@code env:...}
     */
    static String redact(URI uri) {
        if (uri.isOpaque()) {
            return uri.getScheme() + ":...";
        }
        StringBuilder safe = new StringBuilder();
        if (uri.getScheme() != null) {
            safe.append(uri.getScheme()).append(':');
        }
        if (uri.getHost() != null) {
            safe.append("//").append(uri.getHost());
            if (uri.getPort() != -1) {
                safe.append(':').append(uri.getPort());
            }
        } else if (uri.getRawAuthority() != null) {
            // An authority Java could not split into user info, host and port: any of it may be the secret.
            safe.append("//...");
        }
        if (uri.getRawPath() != null) {
            safe.append(uri.getRawPath());
        }
        return safe.toString();
    }
}
