package io.dualcred.sources.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.StoreCalls;
import io.dualcred.teststores.FakeVault;
import io.dualcred.testservers.SelfSignedTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultCredentialSourceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final FakeVault vault = FakeVault.start();

    @TempDir
    Path files;

    @AfterEach
    void stopVault() {
        vault.close();
    }

    private VaultCredentialSource.Builder source(String secret) {
        return VaultCredentialSource.builder(vault.address(), secret).auth(VaultAuth.token(vault::rootToken));
    }

    @Test
    void readsCurrentAndNextWithTheirLabelsFromOneKv2Secret() throws Exception {
        vault.kvPut("", "secret/orders-db", Map.of("username", "orders", "current", "blue-pw", "current_version", "6",
                "next", "green-pw", "next_version", "7"));

        CredentialSet set = source("secret/orders-db").build().load();

        assertThat(set.current()).isEqualTo(Credential.of("orders", "blue-pw").withVersion("6"));
        assertThat(set.next()).contains(Credential.of("orders", "green-pw").withVersion("7"));
    }

    @Test
    void readsTheAlternatingUsersLayoutAndABlankNextAsNothingStaged() throws Exception {
        vault.kvPut("", "secret/db", Map.of("username", "app_blue", "current", "blue-pw", "username_next", "app_green",
                "next", "green-pw"));
        RemoteCredentialSource source = source("secret/db").build();
        assertThat(source.load().next()).contains(Credential.of("app_green", "green-pw"));

        vault.kvPatch("", "secret/db", Map.of("next", "", "username_next", ""));
        assertThat(source.loadFresh().next()).isEmpty();
    }

    @Test
    void fieldNamesCanBeChanged() throws Exception {
        vault.kvPut("", "secret/db", Map.of("DB_USER", "app", "DB_PASS_CURRENT", "blue-pw", "DB_PASS_NEXT",
                "green-pw"));

        CredentialSet set = source("secret/db")
                .fields("DB_USER", "DB_PASS_CURRENT", "DB_PASS_NEXT", "DB_USER_NEXT", "V_CURRENT", "V_NEXT")
                .build().load();

        assertThat(set.next()).contains(Credential.of("app", "green-pw"));
    }

    @Test
    void aMissingFieldIsNamedWithoutShowingAnyValue() {
        vault.kvPut("", "secret/db", Map.of("username", "app", "next", "green-pw"));

        assertThatThrownBy(() -> source("secret/db").build().load())
                .hasMessageContaining("field 'current' is missing")
                .hasMessageNotContaining("green-pw");
    }

    @Test
    void readsKvVersion1() throws Exception {
        vault.mountKv1("kv");
        vault.kvPut("", "kv/db", Map.of("username", "app", "current", "blue-pw"));
        RemoteCredentialSource source = source("kv/db").kvVersion(1).build();

        assertThat(source.load().current()).isEqualTo(Credential.of("app", "blue-pw"));
        assertThat(vault.requests("read")).isEqualTo(1);
    }

    @Test
    void sendsTheNamespace() throws Exception {
        vault.kvPut("team-a", "secret/db", Map.of("username", "app", "current", "blue-pw"));

        assertThat(source("secret/db").namespace("team-a").build().load().current().username()).isEqualTo("app");
        assertThatThrownBy(() -> source("secret/db").build().load())
                .hasMessageContaining("Vault answered 404");
    }

    @Test
    void logsInWithAppRoleAndAgainWhenTheTokenIsRevoked() throws Exception {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
        vault.addAppRole("orders-role", "sid-123");
        RemoteCredentialSource source = VaultCredentialSource.builder(vault.address(), "secret/db")
                .auth(VaultAuth.appRole("approle", "orders-role", () -> "sid-123"))
                .build();

        source.load();
        source.loadFresh();
        assertThat(vault.requests("login")).as("the login's token is reused").isEqualTo(1);

        vault.revokeTokens();
        assertThat(source.loadFresh().current().username()).isEqualTo("app");
        assertThat(vault.requests("login")).isEqualTo(2);
        StoreCalls calls = source.calls();
        assertThat(vault.requests()).as("every request counted (a GET may be resent on a stale connection)")
                .isBetween(calls.calls(), calls.calls() + 2);
        assertThat(calls.failures()).as("the 403 before the new login").isEqualTo(1);
    }

    @Test
    void logsInWithAKubernetesServiceAccountTokenReadFromItsFile() throws Exception {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
        vault.addKubernetesRole("orders", "jwt-abc");
        Path jwt = Files.writeString(files.resolve("token"), "jwt-abc\n");

        CredentialSet set = VaultCredentialSource.builder(vault.address(), "secret/db")
                .auth(VaultAuth.kubernetes("kubernetes", "orders", jwt))
                .build().load();

        assertThat(set.current().username()).isEqualTo("app");
        assertThat(vault.requests("login")).isEqualTo(1);
    }

    @Test
    void aWrongAppRoleSecretIdSaysSoWithoutShowingIt() {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
        vault.addAppRole("orders-role", "sid-123");

        assertThatThrownBy(() -> VaultCredentialSource.builder(vault.address(), "secret/db")
                .auth(VaultAuth.appRole("approle", "orders-role", () -> "sid-wrong")).build().load())
                .hasMessageContaining("Vault answered 400")
                .hasMessageContaining("auth/approle/login")
                .hasMessageContaining("invalid role or secret ID")
                .hasMessageNotContaining("sid-wrong");
    }

    @Test
    void speaksTlsTrustingTheGivenCaFileAndRefusesAServerItDoesNotTrust() throws Exception {
        Path tls = Files.createDirectories(files.resolve("tls"));
        try (FakeVault secure = FakeVault.startWithTls(tls)) {
            secure.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
            VaultCredentialSource.Builder source = VaultCredentialSource.builder(secure.address(), "secret/db")
                    .auth(VaultAuth.token(secure::rootToken));

            assertThatThrownBy(() -> source.build().load()).as("not in the JDK's trust store")
                    .hasMessageContaining("cannot reach Vault for secret/data/db: SSLHandshakeException");
            CredentialSet set = source.caCertificates(tls.resolve(SelfSignedTls.CERTIFICATE_FILE)).build().load();
            assertThat(set.current().username()).isEqualTo("app");
        }
    }

    @Test
    void pollsTheMetadataAndTellsTheWatchersOfANewVersion() throws Exception {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
        RemoteCredentialSource source = source("secret/db").pollInterval(Duration.ofMillis(50)).build();
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = source.watch(notices::incrementAndGet);
        try {
            source.load();
            await().atMost(PATIENCE).until(() -> vault.requests("metadata") >= 2);

            vault.kvPatch("", "secret/db", Map.of("next", "green-pw"));

            await().atMost(PATIENCE).until(() -> notices.get() == 1);
            assertThat(source.load().next()).contains(Credential.of("app", "green-pw"));
        } finally {
            watch.close();
        }
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("dualcred-store-poll")));
        assertThat(vault.requests("read")).as("one read at start, one after the change").isEqualTo(2);
        // The JDK's client may send a GET again over a keep-alive connection Vault closed, and a version check
        // interrupted by the closing watch may be counted without having been sent.
        assertThat(vault.requests()).isBetween(source.calls().calls() - 1, source.calls().calls() + 2);
    }
}
