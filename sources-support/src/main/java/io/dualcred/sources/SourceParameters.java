package io.dualcred.sources;

import io.dualcred.rotation.CredentialSourceException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The query parameters of a store source's URI ({@code vault://host/secret/db?auth=approle&timeout=2s}), taken one
 * by one, so that whatever is left at the end is reported as unknown. A parameter that would carry a secret
 * ({@code token}, {@code password}, ...) is refused without its value being shown anywhere.
 */
public final class SourceParameters {

    private static final Set<String> SECRET_NAMES = Set.of("token", "secret-id", "secret_id", "jwt", "password",
            "secret-access-key", "secret_access_key", "access-key", "credentials");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final String scheme;
    private final Map<String, String> values = new LinkedHashMap<>();

    private SourceParameters(String scheme) {
        this.scheme = scheme;
    }

    /**
     * @param scheme the URI's scheme, the first word of every message
     * @param rawQuery the URI's raw query (percent-encoded), or {@code null}
     * @return the parameters, names in lower case
     * @throws CredentialSourceException when a parameter would carry a secret
     */
    public static SourceParameters parse(String scheme, String rawQuery) {
        SourceParameters parameters = new SourceParameters(scheme);
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (SECRET_NAMES.contains(name)) {
                // The value is not shown: it is the secret that should not have been here.
                throw new CredentialSourceException(scheme + ": parameter '" + name + "' would put a secret in the "
                        + "URI; give it through the environment or a file instead");
            }
            parameters.values.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return parameters;
    }

    /**
     * Splits an opaque URI's scheme-specific part ({@code secret/db?kv=1}) into its location and its query.
     *
     * @param rawSchemeSpecificPart e.g. {@code URI.getRawSchemeSpecificPart()}
     * @return the decoded location and the raw query ({@code null} when there is none)
     */
    public static String[] splitOpaque(String rawSchemeSpecificPart) {
        int q = rawSchemeSpecificPart.indexOf('?');
        return q < 0 ? new String[] {decode(rawSchemeSpecificPart), null}
                : new String[] {decode(rawSchemeSpecificPart.substring(0, q)), rawSchemeSpecificPart.substring(q + 1)};
    }

    /**
     * @param name a parameter name
     * @return its value, and forgets it; {@code null} when absent
     */
    public String take(String name) {
        return values.remove(name);
    }

    /**
     * @param name a parameter name
     * @param otherwise the value when absent
     * @return its value, and forgets it
     */
    public String take(String name, String otherwise) {
        String value = values.remove(name);
        return value != null ? value : otherwise;
    }

    /**
     * @param name a parameter name
     * @return whether it is present
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * @param name a parameter holding a duration such as {@code 500ms}, {@code 5s}, {@code 1m}, {@code 1h} or
     *     {@code 0}
     * @return its value, and forgets it; {@code null} when absent
     * @throws CredentialSourceException when it is not a duration
     */
    public Duration takeDuration(String name) {
        String value = values.remove(name);
        if (value == null) {
            return null;
        }
        if ("0".equals(value.strip())) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(value.strip());
        if (!m.matches()) {
            throw invalid(name, "a duration such as 500ms, 5s, 1m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /**
     * @param name the parameter
     * @param expected what it must be, e.g. {@code 1 or 2}
     * @return the exception to throw, naming the parameter and not its value
     */
    public CredentialSourceException invalid(String name, String expected) {
        return new CredentialSourceException(scheme + ": parameter '" + name + "' must be " + expected);
    }

    /**
     * @param location how messages name the location, e.g. {@code vault:secret/db}
     * @throws CredentialSourceException when a parameter was given that no one took
     */
    public void requireAllTaken(String location) {
        if (!values.isEmpty()) {
            throw new CredentialSourceException(location + ": unknown parameter(s) "
                    + String.join(", ", values.keySet()));
        }
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }
}
