package io.dualcred.sources.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.teststores.FakeSecretsManager;
import io.dualcred.teststores.Fault;
import io.dualcred.teststores.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Secrets Manager failing the ways it does: each failure names AWS's answer, never a key or a password. */
class AwsFailuresTest {

    private static final String SECRET_KEY = "secret-key-sentinel-5e1f";
    private static final String PASSWORD = "pw-sentinel-8a2b";

    private final FakeSecretsManager aws = FakeSecretsManager.start();
    private final RemoteCredentialSource source = AwsSecretsManagerSource.builder("db")
            .region("us-east-1")
            .endpointOverride(aws.address())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                    SECRET_KEY)))
            .requestTimeout(Duration.ofSeconds(2))
            .build();

    @AfterEach
    void stopAws() {
        aws.close();
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(Fault.status(400, FakeSecretsManager.error("ThrottlingException", "Rate exceeded")),
                        "DescribeSecret answered 400 ThrottlingException: Rate exceeded"),
                Arguments.of(Fault.status(400, FakeSecretsManager.error("AccessDeniedException", "User: "
                        + "arn:aws:iam::123456789012:user/app is not authorized to perform: "
                        + "secretsmanager:DescribeSecret")), "DescribeSecret answered 400 AccessDeniedException"),
                Arguments.of(Fault.status(403, FakeSecretsManager.error("UnrecognizedClientException",
                        "The security token included in the request is invalid.")),
                        "DescribeSecret answered 403 UnrecognizedClientException"),
                Arguments.of(Fault.status(400, FakeSecretsManager.error("ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret.")),
                        "DescribeSecret answered 400 ResourceNotFoundException"),
                Arguments.of(Fault.status(503, FakeSecretsManager.error("ServiceUnavailable", "")),
                        "DescribeSecret answered 503"),
                Arguments.of(Fault.slow(Duration.ofSeconds(10)), "DescribeSecret "),
                Arguments.of(Fault.connectionReset(), "DescribeSecret failed"));
    }

    @ParameterizedTest
    @MethodSource("faults")
    void aFailingReadSaysWhatAwsAnsweredAndTheNextReadWorks(Fault fault, String message) throws Exception {
        aws.createSecret("db", AwsSecretsManagerSourceTest.json("orders", PASSWORD));
        warmUp();
        aws.failEveryRequest(fault);

        Throwable thrown = catchThrowable(source::loadFresh);
        aws.heal();

        assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("aws-sm:db: ")
                .hasMessageContaining(message);
        assertThat(String.valueOf(thrown)).doesNotContain(SECRET_KEY).doesNotContain(PASSWORD);
        assertThat(source.loadFresh().current().username()).isEqualTo("orders");
    }

    /** A JVM's first SDK call loads the SDK: seconds on a busy machine, which the 2 s timeout is not about. */
    private void warmUp() {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> source.loadFresh() != null);
    }

    @Test
    void aMissingCurrentStageOrABadDocumentIsNamedWithoutTheDocument() {
        String v1 = aws.createSecret("db", "{\"username\":\"orders\",\"pw\":\"" + PASSWORD + "\"}");

        // Asked again until answered in time: a JVM's first SDK call may take longer than the 2 s timeout.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(catchThrowable(source::loadFresh))
                .hasMessage("aws-sm:db AWSCURRENT: key \"password\" is missing"));

        aws.updateSecretVersionStage("db", "AWSCURRENT", null, v1);
        assertThat(catchThrowable(source::loadFresh)).hasMessage("aws-sm:db: no version has the stage AWSCURRENT");
    }

    @Test
    void noSecretKeyOrPasswordReachesTheLogsTheExceptionsOrTheDescriptions() throws Exception {
        List<String> output = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            aws.createSecret("db", AwsSecretsManagerSourceTest.json("orders", PASSWORD));
            warmUp();
            output.add(source.load().toString() + source.load().current() + source + source.calls());
            for (Arguments fault : faults().toList()) {
                aws.failEveryRequest((Fault) fault.get()[0]);
                output.add(String.valueOf(catchThrowable(source::loadFresh)));
                aws.heal();
            }
            output.addAll(logs.lines());
        }

        assertThat(output).noneMatch(text -> text.contains(SECRET_KEY) || text.contains(PASSWORD));
    }
}
