package io.dualcred.sources.aws;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSourceProvider;
import io.dualcred.sources.SourceParameters;
import java.net.URI;

/**
 * The {@code aws-sm} scheme, found by {@link java.util.ServiceLoader}.
 *
 * <pre>
 * aws-sm:prod/orders-db                                        default region and credentials chain
 * aws-sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-db-AbCdEf
 * aws-sm:prod/orders-db?region=eu-west-1&amp;endpoint=https://vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com
 * </pre>
 *
 * <p>Parameters (none secret; the AWS credentials come from the default chain): {@code region}, {@code endpoint},
 * {@code current-stage} ({@code AWSCURRENT}), {@code next-stage} ({@code AWSPENDING}), {@code username-key}
 * ({@code username}), {@code password-key} ({@code password}), {@code timeout} ({@code 5s}), {@code cache-ttl}
 * ({@code 30s}), {@code poll-interval} ({@code 30s}, {@code 0} for none).
 */
public final class AwsSecretsManagerSourceProvider implements CredentialSourceProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public AwsSecretsManagerSourceProvider() {
    }

    @Override
    public String scheme() {
        return "aws-sm";
    }

    @Override
    public CredentialSource create(URI location) {
        if (!location.isOpaque()) {
            throw new CredentialSourceException("aws-sm: write the secret as aws-sm:<name or ARN>, e.g. "
                    + "aws-sm:prod/orders-db");
        }
        String[] parts = SourceParameters.splitOpaque(location.getRawSchemeSpecificPart());
        SourceParameters parameters = SourceParameters.parse("aws-sm", parts[1]);
        AwsSecretsManagerSource.Builder builder = AwsSecretsManagerSource.builder(parts[0]);
        String region = parameters.take("region");
        if (region != null) {
            builder.region(region);
        }
        String endpoint = parameters.take("endpoint");
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        builder.stages(parameters.take("current-stage", AwsSecretsManagerSource.AWSCURRENT),
                parameters.take("next-stage", AwsSecretsManagerSource.AWSPENDING));
        builder.keys(parameters.take("username-key", "username"), parameters.take("password-key", "password"));
        builder.timings(parameters);
        parameters.requireAllTaken("aws-sm:" + parts[0]);
        return builder.build();
    }
}
