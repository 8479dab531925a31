package io.dualcred.sources.aws;

import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.StoreCallCounter;
import io.dualcred.sources.StoreSourceBuilder;
import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/**
 * Builds the AWS Secrets Manager credential source: CURRENT is the version of one secret labelled
 * {@code AWSCURRENT}, NEXT the version labelled {@code AWSPENDING}, each holding JSON with {@code username} and
 * {@code password} as AWS's rotation functions write it (other keys are ignored). Each credential is labelled with its
 * version id, which the session tags show.
 *
 * <pre>{@code
 * CredentialSource source = AwsSecretsManagerSource.builder("prod/orders-db").build();   // default region, credentials
 * }</pre>
 *
 * <p>The client is the SDK's {@code SecretsManagerClient} on the JDK-based {@code url-connection-client}, with the
 * default credentials chain and region unless set, no retries of its own (the pools read again after a rejection and
 * at the next poll) and a timeout per call.
 */
public final class AwsSecretsManagerSource {

    /** The stage the source reads CURRENT from by default. */
    public static final String AWSCURRENT = "AWSCURRENT";
    /** The stage the source reads NEXT from by default. */
    public static final String AWSPENDING = "AWSPENDING";
    private AwsSecretsManagerSource() {
    }

    /**
     * @param secretId the secret's name or ARN
     * @return a builder with the defaults
     */
    public static Builder builder(String secretId) {
        return new Builder(secretId);
    }

    /** The settings of an AWS Secrets Manager source. */
    public static final class Builder extends StoreSourceBuilder<Builder> {
        private final String secretId;
        private Region region;
        private URI endpoint;
        private AwsCredentialsProvider credentials;
        private String currentStage = AWSCURRENT;
        private String nextStage = AWSPENDING;
        private String usernameKey = "username";
        private String passwordKey = "password";

        private Builder(String secretId) {
            if (secretId == null || secretId.isBlank()) {
                throw new CredentialSourceException("aws-sm: the secret id (name or ARN) must not be blank");
            }
            this.secretId = secretId.strip();
        }

        /**
         * @param name the region, e.g. {@code eu-west-1}; default: the SDK's region chain ({@code AWS_REGION},
         *     the profile, the instance metadata)
         * @return this builder
         */
        public Builder region(String name) {
            this.region = Region.of(Objects.requireNonNull(name, "region"));
            return this;
        }

        /**
         * @param uri another endpoint than the region's, e.g. a VPC endpoint, or a local server in tests
         * @return this builder
         */
        public Builder endpointOverride(URI uri) {
            this.endpoint = Objects.requireNonNull(uri, "endpointOverride");
            return this;
        }

        /**
         * @param provider the AWS credentials; default: the SDK's default credentials chain
         * @return this builder
         */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            this.credentials = Objects.requireNonNull(provider, "credentialsProvider");
            return this;
        }

        /**
         * @param current the stage CURRENT is read from ({@code AWSCURRENT})
         * @param next the stage NEXT is read from ({@code AWSPENDING})
         * @return this builder
         */
        public Builder stages(String current, String next) {
            this.currentStage = Objects.requireNonNull(current, "current");
            this.nextStage = Objects.requireNonNull(next, "next");
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
         * @return the source; it calls AWS only when a pool loads or watches it
         * @throws CredentialSourceException when the SDK cannot be set up (e.g. no region anywhere)
         */
        public RemoteCredentialSource build() {
            String description = "aws-sm:" + secretId;
            SecretsManagerClientBuilder client = SecretsManagerClient.builder()
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(requestTimeout)
                            .socketTimeout(requestTimeout))
                    .overrideConfiguration(override -> override
                            .retryStrategy(AwsRetryStrategy.doNotRetry())
                            .apiCallTimeout(requestTimeout));
            if (region != null) {
                client.region(region);
            }
            if (endpoint != null) {
                client.endpointOverride(endpoint);
            }
            if (credentials != null) {
                client.credentialsProvider(credentials);
            }
            SecretsManagerClient built;
            try {
                built = client.build();
            } catch (SdkException e) {
                throw new CredentialSourceException(description + ": cannot set up the AWS client: "
                        + e.getMessage());
            }
            StoreCallCounter counter = new StoreCallCounter();
            return source(new SecretsManagerStore(built, secretId, currentStage, nextStage, usernameKey, passwordKey,
                    counter, description), counter);
        }
    }
}
