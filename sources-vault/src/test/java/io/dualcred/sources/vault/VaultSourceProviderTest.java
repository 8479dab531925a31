package io.dualcred.sources.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.teststores.FakeVault;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultSourceProviderTest {

    private final FakeVault vault = FakeVault.start();

    @TempDir
    Path files;

    @AfterEach
    void stopVault() {
        vault.close();
    }

    @Test
    void theVaultSchemeIsFoundByUriAndReadsWithATokenFile() throws Exception {
        vault.kvPut("", "secret/orders-db", Map.of("username", "orders", "current", "blue-pw"));
        Path token = Files.writeString(files.resolve("vault-token"), vault.rootToken() + "\n");
        String uri = "vault://127.0.0.1:" + vault.address().getPort() + "/secret/orders-db?tls=off&token-file="
                + token + "&poll-interval=0";

        CredentialSource source = CredentialSources.fromUri(uri);

        assertThat(source.load().current().username()).isEqualTo("orders");
        assertThat(source.description()).isEqualTo("vault://127.0.0.1:" + vault.address().getPort()
                + "/secret/orders-db");
    }

    @Test
    void theOpaqueFormTakesTheAddressTokenAndNamespaceFromTheEnvironment() throws Exception {
        vault.kvPut("team-a", "secret/orders-db", Map.of("u", "orders", "current", "blue-pw"));
        Map<String, String> env = Map.of("VAULT_ADDR", vault.address().toString(), "VAULT_TOKEN", vault.rootToken(),
                "VAULT_NAMESPACE", "team-a");

        CredentialSource source = new VaultSourceProvider().create(URI.create("vault:secret/orders-db?username-field=u"),
                env::get);

        assertThat(source.load().current().username()).isEqualTo("orders");
        assertThat(source.description()).endsWith("/secret/orders-db (namespace team-a)");
    }

    @Test
    void aSecretInTheUriIsRefusedWithoutBeingShown() {
        assertThatThrownBy(() -> CredentialSources.fromUri("vault://vault.example/secret/db?token=hvs.s3cr3t"))
                .hasMessageContaining("parameter 'token' would put a secret in the URI")
                .hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> CredentialSources.fromUri("vault://vault.example/secret/db?auth=approle&secret-id=x1y2"))
                .hasMessageNotContaining("x1y2");
    }

    @Test
    void anUnknownParameterOrAMissingMountIsNamed() {
        assertThatThrownBy(() -> CredentialSources.fromUri("vault://vault.example/secret/db?kv-version=2"))
                .hasMessageContaining("unknown parameter(s) kv-version");
        assertThatThrownBy(() -> CredentialSources.fromUri("vault://vault.example/db"))
                .hasMessageContaining("must be <mount>/<path>");
        assertThatThrownBy(() -> new VaultSourceProvider().create(URI.create("vault:secret/db"), name -> null))
                .hasMessageContaining("VAULT_ADDR is not set");
    }
}
