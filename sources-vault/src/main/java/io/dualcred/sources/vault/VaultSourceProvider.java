package io.dualcred.sources.vault;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSourceProvider;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code vault} scheme, found by {@link java.util.ServiceLoader}.
 *
 * <pre>
 * vault://vault.example:8200/secret/orders-db                 https, token from VAULT_TOKEN
 * vault:secret/orders-db                                      address from VAULT_ADDR
 * vault://vault.example:8200/secret/orders-db?auth=kubernetes&amp;role=orders
 * vault://vault.example:8200/secret/orders-db?auth=approle&amp;role-id=...&amp;secret-id-file=/run/secrets/sid
 * </pre>
 *
 * <table>
 *   <caption>Query parameters (none of them secret; a secret in the URI is refused)</caption>
 *   <tr><td>{@code kv}</td><td>{@code 2} (default) or {@code 1}</td></tr>
 *   <tr><td>{@code mount}</td><td>the KV mount when it has several segments; default: the path's first segment</td></tr>
 *   <tr><td>{@code namespace}</td><td>Vault Enterprise namespace; default {@code VAULT_NAMESPACE}</td></tr>
 *   <tr><td>{@code tls}</td><td>{@code off} for plain http (development servers only)</td></tr>
 *   <tr><td>{@code ca-file}</td><td>PEM certificates to trust; default {@code VAULT_CACERT}, else the JDK's</td></tr>
 *   <tr><td>{@code auth}</td><td>{@code token} (default: {@code VAULT_TOKEN}, or {@code token-file}),
 *       {@code approle} ({@code role-id} or {@code VAULT_ROLE_ID}, {@code secret-id-file} or
 *       {@code VAULT_SECRET_ID}), {@code kubernetes} ({@code role}, {@code jwt-file} defaulting to the pod's
 *       service-account token); {@code auth-mount} where the method is enabled</td></tr>
 *   <tr><td>{@code username-field}, {@code current-field}, {@code next-field}, {@code username-next-field},
 *       {@code current-version-field}, {@code next-version-field}</td><td>the secret's field names</td></tr>
 *   <tr><td>{@code timeout}, {@code cache-ttl}, {@code poll-interval}</td><td>durations such as {@code 500ms},
 *       {@code 5s}, {@code 1m} ({@code poll-interval=0} turns polling off)</td></tr>
 * </table>
 */
public final class VaultSourceProvider implements CredentialSourceProvider {

    private static final Set<String> SECRET_PARAMETERS = Set.of("token", "secret-id", "secret_id", "jwt",
            "password");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Used by {@link java.util.ServiceLoader}. */
    public VaultSourceProvider() {
    }

    @Override
    public String scheme() {
        return "vault";
    }

    @Override
    public CredentialSource create(URI location) {
        return create(location, System::getenv);
    }

    CredentialSource create(URI location, UnaryOperator<String> env) {
        String secret;
        String query;
        URI address;
        Map<String, String> parameters;
        if (location.isOpaque()) {
            String part = location.getRawSchemeSpecificPart();
            int q = part.indexOf('?');
            secret = decode(q < 0 ? part : part.substring(0, q));
            query = q < 0 ? null : part.substring(q + 1);
            address = null;
        } else {
            secret = location.getPath();
            query = location.getRawQuery();
            address = location.getHost() == null ? null : URI.create("https://" + location.getHost()
                    + (location.getPort() == -1 ? "" : ":" + location.getPort()));
        }
        parameters = parameters(query);
        if (address != null && "off".equalsIgnoreCase(parameters.get("tls"))) {
            address = URI.create("http" + address.toString().substring("https".length()));
        }
        if (address == null) {
            String fromEnv = env.apply("VAULT_ADDR");
            if (fromEnv == null || fromEnv.isBlank()) {
                throw new CredentialSourceException("vault:" + secret + " names no host and VAULT_ADDR is not set");
            }
            address = URI.create(fromEnv.strip());
        }
        VaultCredentialSource.Builder builder = VaultCredentialSource.builder(address, secret);
        String value;
        if ((value = parameters.remove("kv")) != null) {
            builder.kvVersion("1".equals(value) ? 1 : "2".equals(value) ? 2 : invalid("kv", "1 or 2"));
        }
        if ((value = parameters.remove("mount")) != null) {
            builder.mount(value);
        }
        builder.namespace(parameters.containsKey("namespace") ? parameters.remove("namespace")
                : env.apply("VAULT_NAMESPACE"));
        parameters.remove("tls");
        String caFile = parameters.containsKey("ca-file") ? parameters.remove("ca-file") : env.apply("VAULT_CACERT");
        if (caFile != null && !caFile.isBlank()) {
            builder.caCertificates(Path.of(caFile.strip()));
        }
        builder.auth(auth(parameters, env));
        if ((value = parameters.remove("timeout")) != null) {
            builder.requestTimeout(duration("timeout", value));
        }
        if ((value = parameters.remove("cache-ttl")) != null) {
            builder.cacheTtl(duration("cache-ttl", value));
        }
        if ((value = parameters.remove("poll-interval")) != null) {
            builder.pollInterval(duration("poll-interval", value));
        }
        VaultFields d = VaultFields.DEFAULT;
        builder.fields(field(parameters, "username-field", d.username()), field(parameters, "current-field",
                d.current()), field(parameters, "next-field", d.next()), field(parameters, "username-next-field",
                d.nextUsername()), field(parameters, "current-version-field", d.currentVersion()),
                field(parameters, "next-version-field", d.nextVersion()));
        if (!parameters.isEmpty()) {
            throw new CredentialSourceException("vault:" + secret + ": unknown parameter(s) "
                    + String.join(", ", parameters.keySet()));
        }
        return builder.build();
    }

    private static VaultAuth auth(Map<String, String> parameters, UnaryOperator<String> env) {
        String method = parameters.getOrDefault("auth", "token").toLowerCase(Locale.ROOT);
        parameters.remove("auth");
        String mount = parameters.remove("auth-mount");
        switch (method) {
            case "token": {
                String file = parameters.remove("token-file");
                return file != null ? VaultAuth.tokenFile(Path.of(file)) : VaultAuth.token(() -> env.apply(
                        "VAULT_TOKEN"));
            }
            case "approle": {
                String roleId = parameters.containsKey("role-id") ? parameters.remove("role-id")
                        : env.apply("VAULT_ROLE_ID");
                String secretIdFile = parameters.remove("secret-id-file");
                return VaultAuth.appRole(mount != null ? mount : "approle", roleId, secretIdFile != null
                        ? () -> Secrets.readFile(Path.of(secretIdFile), "secret id file")
                        : () -> env.apply("VAULT_SECRET_ID"));
            }
            case "kubernetes": {
                String jwtFile = parameters.remove("jwt-file");
                return VaultAuth.kubernetes(mount != null ? mount : "kubernetes", parameters.remove("role"),
                        jwtFile != null ? Path.of(jwtFile) : VaultAuth.KUBERNETES_JWT);
            }
            default:
                return invalid("auth", "token, approle or kubernetes");
        }
    }

    private static String field(Map<String, String> parameters, String name, String otherwise) {
        String value = parameters.remove(name);
        return value != null ? value : otherwise;
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (SECRET_PARAMETERS.contains(name)) {
                // The value is not shown: it is the secret that should not have been here.
                throw new CredentialSourceException("vault: parameter '" + name + "' would put a secret in the "
                        + "URI; use VAULT_TOKEN, token-file, secret-id-file or jwt-file instead");
            }
            parameters.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return parameters;
    }

    private static Duration duration(String name, String value) {
        if ("0".equals(value.strip())) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(value.strip());
        if (!m.matches()) {
            return invalid(name, "a duration such as 500ms, 5s, 1m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    private static <T> T invalid(String name, String expected) {
        throw new CredentialSourceException("vault: parameter '" + name + "' must be " + expected);
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }
}
