/**
 * The {@code vault:} credential source: CURRENT and NEXT kept in one HashiCorp Vault KV secret (version 2 or 1), read
 * over Vault's HTTP API with a token, AppRole or Kubernetes login, in a namespace if asked. Build one with
 * {@link io.dualcred.sources.vault.VaultCredentialSource#builder} or name it by URI through
 * {@link io.dualcred.rotation.CredentialSources#fromUri(String)}; see {@link io.dualcred.sources.vault.VaultSourceProvider}
 * for the URI.
 */
package io.dualcred.sources.vault;
