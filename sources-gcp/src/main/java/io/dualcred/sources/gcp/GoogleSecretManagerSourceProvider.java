package io.dualcred.sources.gcp;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSourceProvider;
import io.dualcred.sources.SourceParameters;
import java.net.URI;

/**
 * The {@code gcp-sm} scheme, found by {@link java.util.ServiceLoader}.
 *
 * <pre>
 * gcp-sm:projects/shop/secrets/orders-db                       aliases current and next of one secret
 * gcp-sm:projects/shop/secrets/orders-db-current?next-secret=projects/shop/secrets/orders-db-next
 * </pre>
 *
 * <p>Parameters (none secret; credentials are Application Default Credentials): {@code current-alias}
 * ({@code current}), {@code next-alias} ({@code next}), {@code next-secret} (the two-secrets layout),
 * {@code username-key}, {@code password-key}, {@code endpoint} ({@code host:port}), {@code tls=off} (plain gRPC
 * without credentials, for an emulator), {@code timeout} ({@code 5s}), {@code cache-ttl} ({@code 30s}),
 * {@code poll-interval} ({@code 30s}, {@code 0} for none).
 */
public final class GoogleSecretManagerSourceProvider implements CredentialSourceProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public GoogleSecretManagerSourceProvider() {
    }

    @Override
    public String scheme() {
        return "gcp-sm";
    }

    @Override
    public CredentialSource create(URI location) {
        if (!location.isOpaque()) {
            throw new CredentialSourceException("gcp-sm: write the secret as gcp-sm:projects/<project>/secrets/<name>");
        }
        String[] parts = SourceParameters.splitOpaque(location.getRawSchemeSpecificPart());
        SourceParameters parameters = SourceParameters.parse("gcp-sm", parts[1]);
        String nextSecret = parameters.take("next-secret");
        GoogleSecretManagerSource.Builder builder = nextSecret == null
                ? GoogleSecretManagerSource.builder(parts[0])
                : GoogleSecretManagerSource.twoSecrets(parts[0], nextSecret);
        builder.aliases(parameters.take("current-alias", "current"), parameters.take("next-alias", "next"));
        builder.keys(parameters.take("username-key", "username"), parameters.take("password-key", "password"));
        String endpoint = parameters.take("endpoint");
        if (endpoint != null) {
            builder.endpoint(endpoint);
        }
        if ("off".equalsIgnoreCase(parameters.take("tls", "on"))) {
            builder.plaintextWithoutCredentials();
        }
        builder.timings(parameters);
        parameters.requireAllTaken("gcp-sm:" + parts[0]);
        return builder.build();
    }
}
