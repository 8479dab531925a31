package io.dualcred.sources.vault;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSourceProvider;
import io.dualcred.sources.SourceParameters;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.UnaryOperator;

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
        URI address = null;
        SourceParameters parameters;
        if (location.isOpaque()) {
            String[] parts = SourceParameters.splitOpaque(location.getRawSchemeSpecificPart());
            secret = parts[0];
            parameters = SourceParameters.parse("vault", parts[1]);
        } else {
            secret = location.getPath();
            parameters = SourceParameters.parse("vault", location.getRawQuery());
            if (location.getHost() != null) {
                boolean plain = "off".equalsIgnoreCase(parameters.take("tls"));
                address = URI.create((plain ? "http://" : "https://") + location.getHost()
                        + (location.getPort() == -1 ? "" : ":" + location.getPort()));
            }
        }
        if (address == null) {
            String fromEnv = env.apply("VAULT_ADDR");
            if (fromEnv == null || fromEnv.isBlank()) {
                throw new CredentialSourceException("vault:" + secret + " names no host and VAULT_ADDR is not set");
            }
            address = URI.create(fromEnv.strip());
        }
        VaultCredentialSource.Builder builder = VaultCredentialSource.builder(address, secret);
        String kv = parameters.take("kv");
        if (kv != null) {
            builder.kvVersion(switch (kv) {
                case "1" -> 1;
                case "2" -> 2;
                default -> throw parameters.invalid("kv", "1 or 2");
            });
        }
        String mount = parameters.take("mount");
        if (mount != null) {
            builder.mount(mount);
        }
        builder.namespace(parameters.take("namespace", env.apply("VAULT_NAMESPACE")));
        String caFile = parameters.take("ca-file", env.apply("VAULT_CACERT"));
        if (caFile != null && !caFile.isBlank()) {
            builder.caCertificates(Path.of(caFile.strip()));
        }
        builder.auth(auth(parameters, env));
        builder.timings(parameters);
        VaultFields d = VaultFields.DEFAULT;
        builder.fields(parameters.take("username-field", d.username()), parameters.take("current-field", d.current()),
                parameters.take("next-field", d.next()), parameters.take("username-next-field", d.nextUsername()),
                parameters.take("current-version-field", d.currentVersion()),
                parameters.take("next-version-field", d.nextVersion()));
        parameters.requireAllTaken("vault:" + secret);
        return builder.build();
    }

    private static VaultAuth auth(SourceParameters parameters, UnaryOperator<String> env) {
        String method = parameters.take("auth", "token").toLowerCase(Locale.ROOT);
        String mount = parameters.take("auth-mount");
        switch (method) {
            case "token": {
                String file = parameters.take("token-file");
                return file != null ? VaultAuth.tokenFile(Path.of(file)) : VaultAuth.token(() -> env.apply(
                        "VAULT_TOKEN"));
            }
            case "approle": {
                String roleId = parameters.take("role-id", env.apply("VAULT_ROLE_ID"));
                String secretIdFile = parameters.take("secret-id-file");
                return VaultAuth.appRole(mount != null ? mount : "approle", roleId, secretIdFile != null
                        ? () -> Secrets.readFile(Path.of(secretIdFile), "secret id file")
                        : () -> env.apply("VAULT_SECRET_ID"));
            }
            case "kubernetes": {
                String jwtFile = parameters.take("jwt-file");
                return VaultAuth.kubernetes(mount != null ? mount : "kubernetes", parameters.take("role"),
                        jwtFile != null ? Path.of(jwtFile) : VaultAuth.KUBERNETES_JWT);
            }
            default:
                throw parameters.invalid("auth", "token, approle or kubernetes");
        }
    }
}
