package io.dualcred.sources.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.teststores.FakeSecretsManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class AwsSecretsManagerSourceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final FakeSecretsManager aws = FakeSecretsManager.start();

    @AfterEach
    void stopAws() {
        aws.close();
    }

    static String json(String username, String password) {
        return "{\"engine\":\"postgres\",\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
    }

    AwsSecretsManagerSource.Builder source(String secretId) {
        return AwsSecretsManagerSource.builder(secretId)
                .region("us-east-1")
                .endpointOverride(aws.address())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        "secret-key-example")));
    }

    @Test
    void readsAwsCurrentAndAwsPendingLabelledWithTheirVersionIds() throws Exception {
        String blue = aws.createSecret("prod/orders-db", json("orders", "blue-pw"));
        String green = aws.putSecretValue("prod/orders-db", json("orders", "green-pw"), "AWSPENDING");

        CredentialSet set = source("prod/orders-db").build().load();

        assertThat(set.current()).isEqualTo(Credential.of("orders", "blue-pw").withVersion(blue));
        assertThat(set.next()).contains(Credential.of("orders", "green-pw").withVersion(green));
        assertThat(aws.requests("DescribeSecret")).isEqualTo(1);
        assertThat(aws.requests("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void withNoPendingVersionNothingIsStagedAndAPendingUserIsTheNextUser() throws Exception {
        aws.createSecret("db", json("app_blue", "blue-pw"));
        RemoteCredentialSource source = source("db").build();
        assertThat(source.load().next()).isEmpty();
        assertThat(aws.requests("GetSecretValue")).as("no call for a stage no version has").isEqualTo(1);

        aws.putSecretValue("db", json("app_green", "green-pw"), "AWSPENDING");
        assertThat(source.loadFresh().next().map(Credential::username)).contains("app_green");
    }

    @Test
    void followsThePromotionByUpdateSecretVersionStage() throws Exception {
        String blue = aws.createSecret("db", json("orders", "blue-pw"));
        String green = aws.putSecretValue("db", json("orders", "green-pw"), "AWSPENDING");
        RemoteCredentialSource source = source("db").build();
        source.load();

        aws.updateSecretVersionStage("db", "AWSCURRENT", green, blue);
        assertThat(source.loadFresh().next()).as("AWSPENDING and AWSCURRENT on one version: nothing staged")
                .isEmpty();
        aws.updateSecretVersionStage("db", "AWSPENDING", null, green);

        CredentialSet set = source.loadFresh();
        assertThat(set.current()).isEqualTo(Credential.of("orders", "green-pw").withVersion(green));
        assertThat(set.next()).isEmpty();
    }

    @Test
    void pollsDescribeSecretAndTellsTheWatchersWhenAStageMoves() throws Exception {
        aws.createSecret("db", json("orders", "blue-pw"));
        RemoteCredentialSource source = source("db").pollInterval(Duration.ofMillis(50)).build();
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = source.watch(notices::incrementAndGet);
        try {
            source.load();
            await().atMost(PATIENCE).until(() -> source.calls().versionChecks() >= 2);

            aws.putSecretValue("db", json("orders", "green-pw"), "AWSPENDING");

            await().atMost(PATIENCE).until(() -> notices.get() == 1);
            assertThat(source.load().next().map(Credential::password)).contains("green-pw");
        } finally {
            watch.close();
        }
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("dualcred-store-poll")));
        // HttpURLConnection may send a request again over a keep-alive connection the server had closed, and a
        // version check interrupted by the closing watch may be counted without having been sent.
        assertThat(aws.requests()).as("every request counted").isBetween(source.calls().calls() - 1,
                source.calls().calls() + 2);
        assertThat(source.calls().reads()).isEqualTo(2);
    }

    @Test
    void otherKeysAndStagesCanBeNamed() throws Exception {
        String v1 = aws.createSecret("db", "{\"user\":\"orders\",\"pass\":\"blue-pw\"}");
        aws.updateSecretVersionStage("db", "LIVE", v1, null);
        aws.putSecretValue("db", "{\"user\":\"orders\",\"pass\":\"green-pw\"}", "STAGED");

        CredentialSet set = source("db").stages("LIVE", "STAGED").keys("user", "pass").build().load();

        assertThat(set.next().map(Credential::password)).contains("green-pw");
    }

    @Test
    void theSchemeIsFoundByUriWithTheDefaultCredentialsChain() throws Exception {
        aws.createSecret("prod/orders-db", json("orders", "blue-pw"));
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret-key-example");
        try {
            CredentialSource source = CredentialSources.fromUri("aws-sm:prod/orders-db?region=us-east-1&endpoint="
                    + aws.address() + "&poll-interval=0");

            assertThat(source.load().current().username()).isEqualTo("orders");
            assertThat(source.description()).isEqualTo("aws-sm:prod/orders-db");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertThatThrownBy(() -> CredentialSources.fromUri("aws-sm:db?secret-access-key=wJalr"))
                .hasMessageNotContaining("wJalr");
        assertThatThrownBy(() -> CredentialSources.fromUri("aws-sm:db?regoin=eu-west-1"))
                .hasMessageContaining("unknown parameter(s) regoin");
    }
}
