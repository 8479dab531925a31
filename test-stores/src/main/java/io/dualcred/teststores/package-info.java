/**
 * Fake secret stores for tests: {@link io.dualcred.teststores.FakeVault} answers Vault's HTTP API on 127.0.0.1 for
 * the calls the Vault source makes, holds KV secrets the way {@code vault kv put} / {@code patch} leave them, and
 * fails like Vault ({@link io.dualcred.teststores.Fault}).
 */
package io.dualcred.teststores;
