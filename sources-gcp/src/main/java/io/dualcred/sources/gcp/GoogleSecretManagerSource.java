package io.dualcred.sources.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.StoreCallCounter;
import io.dualcred.sources.StoreSourceBuilder;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds the Google Secret Manager credential source. Each version holds JSON with {@code username} and
 * {@code password}; each credential is labelled with its version number, which the session tags show.
 *
 * <pre>{@code
 * // one secret, version aliases "current" and "next" (the default layout)
 * CredentialSource source = GoogleSecretManagerSource.builder("projects/shop/secrets/orders-db").build();
 * // two secrets, the latest version of each
 * CredentialSource source = GoogleSecretManagerSource.twoSecrets("projects/shop/secrets/orders-db-current",
 *         "projects/shop/secrets/orders-db-next").build();
 * }</pre>
 *
 * <p>The client is {@code SecretManagerServiceClient} over gRPC with Application Default Credentials unless set, no
 * retries of its own (the pools read again after a rejection and at the next poll) and a deadline per call.
 */
public final class GoogleSecretManagerSource {

    private static final Pattern SECRET = Pattern.compile("projects/[^/]+/secrets/[^/]+");

    private GoogleSecretManagerSource() {
    }

    /**
     * @param secret the secret's resource name, {@code projects/<project>/secrets/<name>}, whose version aliases
     *     {@code current} and {@code next} name CURRENT and NEXT
     * @return a builder with the defaults
     */
    public static Builder builder(String secret) {
        return new Builder(secret, null);
    }

    /**
     * @param currentSecret the secret whose latest version is CURRENT
     * @param nextSecret the secret whose latest version, when enabled, is NEXT
     * @return a builder with the defaults
     */
    public static Builder twoSecrets(String currentSecret, String nextSecret) {
        return new Builder(currentSecret, Objects.requireNonNull(nextSecret, "nextSecret"));
    }

    /** The settings of a Google Secret Manager source. */
    public static final class Builder extends StoreSourceBuilder<Builder> {
        private final String secret;
        private final String nextSecret;
        private String currentAlias = "current";
        private String nextAlias = "next";
        private String usernameKey = "username";
        private String passwordKey = "password";
        private String endpoint;
        private boolean plaintext;
        private CredentialsProvider credentials;

        private Builder(String secret, String nextSecret) {
            this.secret = resourceName(secret);
            this.nextSecret = nextSecret == null ? null : resourceName(nextSecret);
        }

        /**
         * @param current the alias of CURRENT's version ({@code current})
         * @param next the alias of NEXT's version ({@code next})
         * @return this builder
         */
        public Builder aliases(String current, String next) {
            this.currentAlias = Objects.requireNonNull(current, "current");
            this.nextAlias = Objects.requireNonNull(next, "next");
            return this;
        }

        /**
         * @param username the JSON key of the username ({@code username})
         * @param password the JSON key of the password ({@code password})
         * @return this builder
         */
        public Builder keys(String username, String password) {
            this.usernameKey = Objects.requireNonNull(username, "username");
            this.passwordKey = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * @param hostAndPort another endpoint than {@code secretmanager.googleapis.com:443}, e.g. a regional one
         * @return this builder
         */
        public Builder endpoint(String hostAndPort) {
            this.endpoint = Objects.requireNonNull(hostAndPort, "endpoint");
            return this;
        }

        /**
         * Talks plain gRPC without credentials to the {@link #endpoint}: for a local server or an emulator only.
         *
         * @return this builder
         */
        public Builder plaintextWithoutCredentials() {
            this.plaintext = true;
            return this;
        }

        /**
         * @param provider the Google credentials; default: Application Default Credentials
         * @return this builder
         */
        public Builder credentialsProvider(CredentialsProvider provider) {
            this.credentials = Objects.requireNonNull(provider, "credentialsProvider");
            return this;
        }

        /**
         * @return the source; it calls Google only when a pool loads or watches it
         * @throws CredentialSourceException when the client cannot be set up (e.g. no credentials anywhere)
         */
        public RemoteCredentialSource build() {
            String description = "gcp-sm:" + secret + (nextSecret == null ? "" : " (next: " + nextSecret + ")");
            if (plaintext && endpoint == null) {
                throw new CredentialSourceException(description + ": plaintext needs an endpoint");
            }
            SecretManagerServiceClient client;
            try {
                client = SecretManagerServiceClient.create(settings());
            } catch (IOException | RuntimeException e) {
                throw new CredentialSourceException(description + ": cannot set up the Secret Manager client: "
                        + e.getMessage());
            }
            StoreCallCounter counter = new StoreCallCounter();
            return source(new SecretManagerStore(client, secret, nextSecret, currentAlias, nextAlias, usernameKey,
                    passwordKey, counter, description), counter);
        }

        private SecretManagerServiceSettings settings() throws IOException {
            SecretManagerServiceSettings.Builder settings = SecretManagerServiceSettings.newBuilder();
            if (endpoint != null) {
                settings.setEndpoint(endpoint);
            }
            if (plaintext) {
                settings.setTransportChannelProvider(InstantiatingGrpcChannelProvider.newBuilder()
                        .setEndpoint(endpoint)
                        .setChannelConfigurator(channel -> channel.usePlaintext())
                        .build());
                settings.setCredentialsProvider(NoCredentialsProvider.create());
            } else if (credentials != null) {
                settings.setCredentialsProvider(credentials);
            }
            RetrySettings once = RetrySettings.newBuilder()
                    .setMaxAttempts(1)
                    .setTotalTimeoutDuration(requestTimeout)
                    .setInitialRpcTimeoutDuration(requestTimeout)
                    .setMaxRpcTimeoutDuration(requestTimeout)
                    .setRpcTimeoutMultiplier(1.0)
                    .build();
            settings.getSecretSettings().setRetrySettings(once).setRetryableCodes(Set.of());
            settings.accessSecretVersionSettings().setRetrySettings(once).setRetryableCodes(Set.of());
            return settings.build();
        }

        private static String resourceName(String name) {
            if (name == null || !SECRET.matcher(name.strip()).matches()) {
                throw new CredentialSourceException("gcp-sm: a secret is named projects/<project>/secrets/<name>");
            }
            return name.strip();
        }
    }
}
