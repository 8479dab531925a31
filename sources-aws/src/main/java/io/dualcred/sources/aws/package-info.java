/**
 * The {@code aws-sm:} credential source: CURRENT and NEXT as the {@code AWSCURRENT} and {@code AWSPENDING} versions of
 * one AWS Secrets Manager secret, each a JSON document with {@code username} and {@code password}, read with the AWS
 * SDK for Java 2.x. Build one with {@link io.dualcred.sources.aws.AwsSecretsManagerSource#builder} or name it by URI
 * (see {@link io.dualcred.sources.aws.AwsSecretsManagerSourceProvider}).
 */
package io.dualcred.sources.aws;
