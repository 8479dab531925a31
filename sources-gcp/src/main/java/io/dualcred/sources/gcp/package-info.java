/**
 * The {@code gcp-sm:} credential source: CURRENT and NEXT as two version aliases ({@code current}, {@code next}) of
 * one Google Secret Manager secret, or as the latest versions of two secrets, each a JSON document with
 * {@code username} and {@code password}, read with {@code google-cloud-secretmanager} and Application Default
 * Credentials. Build one with {@link io.dualcred.sources.gcp.GoogleSecretManagerSource} or name it by URI (see
 * {@link io.dualcred.sources.gcp.GoogleSecretManagerSourceProvider}).
 */
package io.dualcred.sources.gcp;
