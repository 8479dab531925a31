package io.dualcred.sources.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.teststores.FakeVault;
import io.dualcred.teststores.Fault;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Vault failing the ways it does: each failure names Vault's answer and never the token or a password. */
class VaultFailuresTest {

    private final FakeVault vault = FakeVault.start();
    private final RemoteCredentialSource source = VaultCredentialSource.builder(vault.address(), "secret/db")
            .auth(VaultAuth.token(vault::rootToken))
            .requestTimeout(Duration.ofSeconds(2))
            .build();

    @AfterEach
    void stopVault() {
        vault.close();
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(Fault.status(403, FakeVault.errors("permission denied")),
                        "Vault answered 403 (permission denied"),
                Arguments.of(Fault.status(404, FakeVault.errors()), "Vault answered 404"),
                Arguments.of(Fault.status(429, FakeVault.errors("request rate limit exceeded")),
                        "Vault answered 429 (rate limited) for secret/data/db: request rate limit exceeded"),
                Arguments.of(Fault.status(503, FakeVault.errors("Vault is sealed")),
                        "Vault answered 503 (sealed, or in maintenance)"),
                Arguments.of(Fault.slow(Duration.ofSeconds(10)), "Vault did not answer secret/data/db within 2000 ms"),
                Arguments.of(Fault.connectionReset(), "cannot reach Vault for secret/data/db"));
    }

    @ParameterizedTest
    @MethodSource("faults")
    void aFailingReadSaysWhatVaultAnsweredAndTheNextReadWorks(Fault fault, String message) throws Exception {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw-sentinel"));
        // Every request, not just the next: the JDK's client retries a GET once when the connection closes.
        vault.failEveryRequest(fault);

        Throwable thrown = catchThrowable(source::loadFresh);
        vault.heal();

        assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("vault://127.0.0.1:")
                .hasMessageContaining(message);
        assertThat(String.valueOf(thrown) + thrown.getCause()).doesNotContain(vault.rootToken())
                .doesNotContain("blue-pw-sentinel");
        assertThat(source.loadFresh().current().username()).isEqualTo("app");
        assertThat(source.calls().failures()).isEqualTo(1);
    }

    @Test
    void aTokenVaultEchoesInAnErrorIsBlankedOut() {
        vault.kvPut("", "secret/db", Map.of("username", "app", "current", "blue-pw"));
        vault.failNext(Fault.status(403, FakeVault.errors("token " + vault.rootToken() + " is not allowed")));

        assertThat(catchThrowable(source::load)).hasMessageContaining("token **** is not allowed")
                .hasMessageNotContaining(vault.rootToken());
    }

    @Test
    void descriptionAndToStringNameTheSecretOnly() {
        assertThat(source.description()).isEqualTo("vault://127.0.0.1:" + vault.address().getPort() + "/secret/db");
        assertThat(source).hasToString(source.description());
    }
}
