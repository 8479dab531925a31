package io.dualcred.sources.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.teststores.FakeVault;
import io.dualcred.teststores.Fault;
import io.dualcred.teststores.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Captures everything the source logs, throws and describes while Vault works, fails every way it can and recovers,
 * and looks for the token, the AppRole secret id and the passwords in it.
 */
class NothingSecretInTheOutputTest {

    private static final String TOKEN = "hvs.token-sentinel-4f2a";
    private static final String SECRET_ID = "secret-id-sentinel-9c1e";
    private static final String CURRENT = "current-pw-sentinel-77b3";
    private static final String NEXT = "next-pw-sentinel-21d8";

    @Test
    void noTokenSecretIdOrPasswordReachesALogLineAnExceptionOrADescription() throws Exception {
        List<String> output = new ArrayList<>();
        List<String> logged;
        try (LogCapture logs = LogCapture.start(); FakeVault vault = FakeVault.start()) {
            vault.addToken(TOKEN);
            vault.addAppRole("orders", SECRET_ID);
            vault.kvPut("", "secret/db", Map.of("username", "app", "current", CURRENT, "next", NEXT));
            List<RemoteCredentialSource> sources = List.of(
                    VaultCredentialSource.builder(vault.address(), "secret/db").auth(VaultAuth.token(() -> TOKEN))
                            .requestTimeout(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).build(),
                    VaultCredentialSource.builder(vault.address(), "secret/db")
                            .auth(VaultAuth.appRole("approle", "orders", () -> SECRET_ID))
                            .requestTimeout(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).build());
            for (RemoteCredentialSource source : sources) {
                CredentialSource.Watch watch = source.watch(() -> { });
                try {
                    output.add(source.load().toString());
                    output.add(source.load().current().toString());
                    output.add(source.toString() + source.description() + source.calls());
                    for (Fault fault : List.of(Fault.status(403, FakeVault.errors("permission denied " + TOKEN)),
                            Fault.status(400, FakeVault.errors("invalid secret id " + SECRET_ID)),
                            Fault.status(429, FakeVault.errors("rate limited")), Fault.slow(Duration.ofSeconds(10)),
                            Fault.connectionReset())) {
                        vault.failEveryRequest(fault);
                        long failures = source.calls().failures();
                        output.add(String.valueOf(catchThrowable(source::loadFresh)));
                        await().atMost(Duration.ofSeconds(10)).until(() -> source.calls().failures() > failures + 1);
                        vault.heal();
                    }
                } finally {
                    watch.close();
                }
            }
            logged = logs.lines();
        }
        output.addAll(logged);

        assertThat(logged).as("the failing version checks were logged").isNotEmpty();
        assertThat(output).noneMatch(text -> text.contains(TOKEN) || text.contains(SECRET_ID)
                || text.contains(CURRENT) || text.contains(NEXT));
    }
}
