package io.dualcred.rotation.spi;

import io.dualcred.rotation.Credential;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The label a connector appends to the name each session it opens shows on the server — PostgreSQL's
 * {@code application_name}, Redis's client name — so that an operator can list, from the server alone and for the
 * whole fleet, the sessions still logged in with an old password: {@code orders-api [dualcred:v7]}.
 *
 * <p>The label is {@code [dualcred:v<version>]} with the credential's {@link Credential#version()}, the store's own
 * non-secret version of the secret, which is the same on every instance. A credential without one is labelled
 * {@code [dualcred:unversioned]}: dualcred never derives a label from the password, since anything computed from it
 * (even a hash) would let whoever can list sessions test guesses against it. Connectors omit the label when
 * {@link io.dualcred.rotation.RotationConfig#tagSessions()} is off.
 */
public final class SessionTag {

    /** What the label says for a credential whose store gives no version. */
    public static final String UNVERSIONED = "unversioned";

    private SessionTag() {
    }

    /**
     * @param credential the credential a session logs in with
     * @return {@code [dualcred:v7]}, or {@code [dualcred:unversioned]}
     */
    public static String of(Credential credential) {
        return "[dualcred:" + credential.version().map(version -> "v" + version).orElse(UNVERSIONED) + "]";
    }

    /**
     * Appends the label to the application's own name, shortening the name (never the label) when both do not fit
     * in {@code maxBytes} bytes of UTF-8.
     *
     * @param name the application's own name, or {@code null} or empty for none
     * @param separator between the name and the label, e.g. a space; Redis client names allow none
     * @param credential the credential the session logs in with
     * @param maxBytes the server's limit for the whole name, e.g. 63 for PostgreSQL's {@code application_name}
     * @return e.g. {@code orders-api [dualcred:v7]}
     */
    public static String append(String name, String separator, Credential credential, int maxBytes) {
        Objects.requireNonNull(separator, "separator");
        String tag = of(credential);
        if (name == null || name.isEmpty()) {
            return tag;
        }
        int budget = maxBytes - utf8Length(separator + tag);
        String kept = name;
        while (!kept.isEmpty() && utf8Length(kept) > budget) {
            kept = kept.substring(0, kept.offsetByCodePoints(kept.length(), -1));
        }
        return kept.isEmpty() ? tag : kept + separator + tag;
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
