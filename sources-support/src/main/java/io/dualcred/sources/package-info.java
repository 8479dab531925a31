/**
 * What the secret-store credential sources share: {@link io.dualcred.sources.RemoteCredentialSource} turns a
 * {@link io.dualcred.sources.RemoteStore} (Vault, AWS Secrets Manager, Google Secret Manager) into a
 * {@link io.dualcred.rotation.CredentialSource} that caches reads, polls a cheap version call for changes and counts
 * every call it makes to the store.
 */
package io.dualcred.sources;
