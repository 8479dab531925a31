package io.dualcred.integration.stores;

import io.dualcred.integration.support.Account;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.gcp.GoogleSecretManagerSource;
import io.dualcred.teststores.FakeSecretManager;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The runbook's Google layout: one secret, {@code projects/shop/secrets/<name>}, whose version aliases
 * {@code current} and {@code next} name the versions holding {@code {"username", "password"}}.
 */
final class GoogleStoreUnderTest implements StoreUnderTest {

    private final FakeSecretManager google = FakeSecretManager.start();
    private final String secret;
    private final RemoteCredentialSource source;

    GoogleStoreUnderTest(String name, Account account) {
        this.secret = "projects/shop/secrets/" + name;
        // gcloud secrets create <name> --data-file=current.json; gcloud secrets update <name>
        //     --update-version-aliases=current=1
        google.createSecret(secret);
        google.updateAliases(secret, Map.of("current", google.addVersion(secret, StoreUnderTest.usernamePassword(account.user(),
                account.current()))));
        this.source = GoogleSecretManagerSource.builder(secret)
                .endpoint(google.endpoint())
                .plaintextWithoutCredentials()
                .pollInterval(ThroughTheStore.POLL)
                .build();
    }

    @Override
    public String name() {
        return "gcp-sm";
    }

    @Override
    public RemoteCredentialSource source() {
        return source;
    }

    @Override
    public void stageNext(Account account) {
        // gcloud secrets versions add <name> --data-file=next.json
        long version = google.addVersion(secret, StoreUnderTest.usernamePassword(account.user(), account.next()));
        // gcloud secrets update <name> --update-version-aliases=next=<version>
        google.updateAliases(secret, Map.of("next", version));
    }

    @Override
    public void promote(Account account) {
        // gcloud secrets describe <name> --format='value(versionAliases.next)'
        long staged = google.aliasedVersion(secret, "next");
        // gcloud secrets update <name> --update-version-aliases=current=<next's version>
        google.updateAliases(secret, Map.of("current", staged));
        // gcloud secrets update <name> --remove-version-aliases=next
        Map<String, Long> removeNext = new HashMap<>();
        removeNext.put("next", null);
        google.updateAliases(secret, removeNext);
    }

    @Override
    public void denyEverything() {
        google.failEveryRequest(Status.PERMISSION_DENIED.withDescription("Permission 'secretmanager.secrets.get' "
                + "denied for resource '" + secret + "' (or it may not exist)."));
    }

    @Override
    public void hangEverything() {
        google.slowEveryRequest(Duration.ofMinutes(5));
    }

    @Override
    public void heal() {
        google.heal();
    }

    @Override
    public long requestsReceived() {
        return google.requests();
    }

    @Override
    public void close() {
        google.close();
    }
}
