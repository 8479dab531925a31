package io.dualcred.integration.stores;

import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.vault.VaultAuth;
import io.dualcred.sources.vault.VaultCredentialSource;
import io.dualcred.teststores.FakeVault;
import io.dualcred.teststores.Fault;
import java.time.Duration;
import java.util.Map;

/**
 * The runbook's Vault layout: one KV v2 secret {@code secret/<name>} with {@code username}, {@code current},
 * {@code current_version} and, while a rotation is staged, {@code next} and {@code next_version}. The source logs in
 * with AppRole whose secret id is a sentinel, so the leak scan would catch it anywhere.
 */
final class VaultStoreUnderTest implements StoreUnderTest {

    private static final String ROLE_ID = "orders-role";

    private final FakeVault vault = FakeVault.start();
    private final String secret;
    private final RemoteCredentialSource source;

    VaultStoreUnderTest(String name, Account account) {
        this.secret = "secret/" + name;
        String secretId = Sentinels.password("approle-secret-id");
        vault.addAppRole(ROLE_ID, secretId);
        // vault kv put -mount=secret <name> username=... current=@current_password current_version=1
        vault.kvPut("", secret, Map.of("username", account.user(), "current", account.current(),
                "current_version", "1"));
        this.source = VaultCredentialSource.builder(vault.address(), secret)
                .auth(VaultAuth.appRole("approle", ROLE_ID, () -> secretId))
                .pollInterval(ThroughTheStore.POLL)
                .build();
    }

    @Override
    public String name() {
        return "vault";
    }

    @Override
    public RemoteCredentialSource source() {
        return source;
    }

    @Override
    public void stageNext(Account account) {
        // vault kv patch -mount=secret <name> next=@next_password next_version=2
        vault.kvPatch("", secret, Map.of("next", account.next(), "next_version", "2"));
    }

    @Override
    public void promote(Account account) {
        // vault kv put -mount=secret <name> username=... current=@next_password current_version=2
        vault.kvPut("", secret, Map.of("username", account.user(), "current", account.next(), "current_version", "2"));
    }

    @Override
    public void denyEverything() {
        vault.failEveryRequest(Fault.status(403, FakeVault.errors("permission denied")));
    }

    @Override
    public void hangEverything() {
        vault.failEveryRequest(Fault.slow(Duration.ofMinutes(5)));
    }

    @Override
    public void heal() {
        vault.heal();
    }

    @Override
    public long requestsReceived() {
        return vault.requests();
    }

    @Override
    public void close() {
        vault.close();
    }
}
