package io.dualcred.sources.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.teststores.FakeSecretManager;
import io.dualcred.teststores.LogCapture;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GoogleSecretManagerSourceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final String DB = "projects/shop/secrets/orders-db";

    private final FakeSecretManager google = FakeSecretManager.start();

    @AfterEach
    void stopGoogle() {
        google.close();
    }

    static String json(String username, String password) {
        return "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
    }

    private GoogleSecretManagerSource.Builder source(GoogleSecretManagerSource.Builder builder) {
        // Generous: a JVM's first gRPC call loads and sets up the whole stack, seconds on a busy machine.
        return builder.endpoint(google.endpoint()).plaintextWithoutCredentials().requestTimeout(Duration.ofSeconds(10));
    }

    private long stage(String secret, String password) {
        long version = google.addVersion(secret, json("orders", password));
        google.updateAliases(secret, Map.of("next", version));
        return version;
    }

    private static Map<String, Long> aliases(Object... aliasesAndVersions) {
        Map<String, Long> map = new HashMap<>();
        for (int i = 0; i < aliasesAndVersions.length; i += 2) {
            map.put((String) aliasesAndVersions[i], (Long) aliasesAndVersions[i + 1]);
        }
        return map;
    }

    @Test
    void readsTheVersionsAliasedCurrentAndNextLabelledWithTheirNumbers() throws Exception {
        google.createSecret(DB);
        google.updateAliases(DB, Map.of("current", google.addVersion(DB, json("orders", "blue-pw"))));
        stage(DB, "green-pw");

        CredentialSet set = source(GoogleSecretManagerSource.builder(DB)).build().load();

        assertThat(set.current()).isEqualTo(Credential.of("orders", "blue-pw").withVersion("1"));
        assertThat(set.next()).contains(Credential.of("orders", "green-pw").withVersion("2"));
        assertThat(google.requests("GetSecret")).isEqualTo(1);
        assertThat(google.requests("AccessSecretVersion")).isEqualTo(2);
    }

    @Test
    void followsAPromotionByAliasMove() throws Exception {
        google.createSecret(DB);
        google.updateAliases(DB, Map.of("current", google.addVersion(DB, json("orders", "blue-pw"))));
        long green = stage(DB, "green-pw");
        RemoteCredentialSource source = source(GoogleSecretManagerSource.builder(DB)).build();
        source.load();

        // gcloud secrets update orders-db --update-version-aliases=current=2 --remove-version-aliases=next
        google.updateAliases(DB, aliases("current", green, "next", null));

        CredentialSet set = source.loadFresh();
        assertThat(set.current().password()).isEqualTo("green-pw");
        assertThat(set.next()).isEmpty();
    }

    @Test
    void readsTheTwoSecretsLayoutWhereADisabledNextMeansNothingStaged() throws Exception {
        String current = DB + "-current";
        String next = DB + "-next";
        google.createSecret(current);
        google.createSecret(next);
        google.addVersion(current, json("app_blue", "blue-pw"));
        RemoteCredentialSource source = source(GoogleSecretManagerSource.twoSecrets(current, next)).build();
        assertThat(source.load().next()).as("no version yet").isEmpty();

        long staged = google.addVersion(next, json("app_green", "green-pw"));
        assertThat(source.loadFresh().next()).contains(Credential.of("app_green", "green-pw").withVersion("1"));

        google.addVersion(current, json("app_green", "green-pw"));
        google.disableVersion(next, staged);
        CredentialSet promoted = source.loadFresh();
        assertThat(promoted.current()).isEqualTo(Credential.of("app_green", "green-pw").withVersion("2"));
        assertThat(promoted.next()).isEmpty();
    }

    @Test
    void pollsGetSecretAndTellsTheWatchersWhenAnAliasMoves() throws Exception {
        google.createSecret(DB);
        google.updateAliases(DB, Map.of("current", google.addVersion(DB, json("orders", "blue-pw"))));
        RemoteCredentialSource source = source(GoogleSecretManagerSource.builder(DB))
                .pollInterval(Duration.ofMillis(50)).build();
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = source.watch(notices::incrementAndGet);
        try {
            source.load();
            await().atMost(PATIENCE).until(() -> google.requests("GetSecret") >= 3);

            stage(DB, "green-pw");

            await().atMost(PATIENCE).until(() -> notices.get() == 1);
            assertThat(source.load().next().map(Credential::password)).contains("green-pw");
        } finally {
            watch.close();
        }
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("dualcred-store-poll")));
        // A version check interrupted by the closing watch may be counted without having been sent.
        assertThat(google.requests()).as("every request counted").isBetween(source.calls().calls() - 1,
                source.calls().calls());
        assertThat(source.calls().reads()).isEqualTo(2);
    }

    @Test
    void failuresNameGooglesAnswerAndNeverAPassword() throws Exception {
        google.createSecret(DB);
        google.updateAliases(DB, Map.of("current", google.addVersion(DB, json("orders", "pw-sentinel-4c2e"))));
        RemoteCredentialSource source = source(GoogleSecretManagerSource.builder(DB))
                .requestTimeout(Duration.ofSeconds(3)).build();
        // The channel is set up at the first call; only then does the 3 s deadline measure Google's answer.
        await().atMost(PATIENCE.multipliedBy(3)).ignoreExceptions().until(() -> source.loadFresh() != null);
        Map<Runnable, String> faults = new java.util.LinkedHashMap<>();
        faults.put(() -> google.failEveryRequest(Status.PERMISSION_DENIED.withDescription("Permission "
                + "'secretmanager.secrets.get' denied for resource '" + DB + "'")), "GetSecret answered "
                + "PERMISSION_DENIED");
        faults.put(() -> google.failEveryRequest(Status.RESOURCE_EXHAUSTED.withDescription("Quota exceeded")),
                "GetSecret answered RESOURCE_EXHAUSTED");
        faults.put(() -> google.failEveryRequest(Status.UNAVAILABLE.withDescription("Connection reset")),
                "GetSecret answered UNAVAILABLE");
        faults.put(() -> google.failEveryRequest(Status.NOT_FOUND.withDescription("Secret not found")),
                "GetSecret answered NOT_FOUND");
        faults.put(() -> google.slowEveryRequest(Duration.ofSeconds(10)), "GetSecret got no answer in time");
        List<String> output = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            for (Map.Entry<Runnable, String> fault : faults.entrySet()) {
                fault.getKey().run();
                Throwable thrown = catchThrowable(source::loadFresh);
                google.heal();
                assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                        .hasMessageStartingWith("gcp-sm:" + DB + ": ")
                        .hasMessageContaining(fault.getValue());
                output.add(String.valueOf(thrown));
                assertThat(source.loadFresh().current().username()).isEqualTo("orders");
            }
            output.addAll(logs.lines());
        }
        output.add(source.load().toString() + source.load().current() + source + source.calls());
        assertThat(output).noneMatch(text -> text.contains("pw-sentinel-4c2e"));
    }

    @Test
    void aMissingAliasOrKeyIsNamed() {
        google.createSecret(DB);
        long v1 = google.addVersion(DB, "{\"username\":\"orders\"}");

        assertThat(catchThrowable(() -> source(GoogleSecretManagerSource.builder(DB)).build().load()))
                .hasMessage("gcp-sm:" + DB + ": no version has the alias current");
        google.updateAliases(DB, Map.of("current", v1));
        assertThat(catchThrowable(() -> source(GoogleSecretManagerSource.builder(DB)).build().load()))
                .hasMessage("gcp-sm:" + DB + " current: key \"password\" is missing");
    }

    @Test
    void theSchemeIsFoundByUri() throws Exception {
        google.createSecret(DB);
        google.updateAliases(DB, Map.of("live", google.addVersion(DB, json("orders", "blue-pw"))));

        CredentialSource source = CredentialSources.fromUri("gcp-sm:" + DB + "?current-alias=live&endpoint="
                + google.endpoint() + "&tls=off&poll-interval=0");

        assertThat(source.load().current().username()).isEqualTo("orders");
        assertThat(source.description()).isEqualTo("gcp-sm:" + DB);
        assertThatThrownBy(() -> CredentialSources.fromUri("gcp-sm:orders-db"))
                .hasMessageContaining("projects/<project>/secrets/<name>");
    }
}
