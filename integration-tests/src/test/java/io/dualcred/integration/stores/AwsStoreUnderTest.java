package io.dualcred.integration.stores;

import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.aws.AwsSecretsManagerSource;
import io.dualcred.teststores.FakeSecretsManager;
import io.dualcred.teststores.Fault;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The runbook's AWS layout: one secret whose {@code AWSCURRENT} version holds {@code {"username", "password"}} and,
 * while a rotation is staged, an {@code AWSPENDING} version with the new password. The source signs with a secret
 * access key that is a sentinel, so the leak scan would catch it anywhere.
 */
final class AwsStoreUnderTest implements StoreUnderTest {

    private final FakeSecretsManager aws = FakeSecretsManager.start();
    private final String name;
    private final RemoteCredentialSource source;

    AwsStoreUnderTest(String name, Account account) {
        this.name = name;
        // aws secretsmanager create-secret --name <name> --secret-string file://current.json
        aws.createSecret(name, StoreUnderTest.usernamePassword(account.user(), account.current()));
        this.source = AwsSecretsManagerSource.builder(name)
                .region("eu-west-1")
                .endpointOverride(aws.address())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        Sentinels.password("aws-secret-access-key"))))
                .pollInterval(ThroughTheStore.POLL)
                .build();
    }

    @Override
    public String name() {
        return "aws-sm";
    }

    @Override
    public RemoteCredentialSource source() {
        return source;
    }

    @Override
    public void stageNext(Account account) {
        // aws secretsmanager put-secret-value --secret-id <name> --secret-string file://next.json
        //     --version-stages AWSPENDING
        aws.putSecretValue(name, StoreUnderTest.usernamePassword(account.user(), account.next()), "AWSPENDING");
    }

    @Override
    public void promote(Account account) {
        // aws secretsmanager update-secret-version-stage --secret-id <name> --version-stage AWSCURRENT
        //     --move-to-version-id <pending> --remove-from-version-id <current>
        String pending = aws.versionWith(name, "AWSPENDING");
        aws.updateSecretVersionStage(name, "AWSCURRENT", pending, aws.versionWith(name, "AWSCURRENT"));
        // aws secretsmanager update-secret-version-stage --secret-id <name> --version-stage AWSPENDING
        //     --remove-from-version-id <pending>
        aws.updateSecretVersionStage(name, "AWSPENDING", null, pending);
    }

    @Override
    public void denyEverything() {
        aws.failEveryRequest(Fault.status(400, FakeSecretsManager.error("AccessDeniedException",
                "User: arn:aws:iam::123456789012:role/orders is not authorized to perform: "
                        + "secretsmanager:DescribeSecret")));
    }

    @Override
    public void hangEverything() {
        aws.failEveryRequest(Fault.slow(Duration.ofMinutes(5)));
    }

    @Override
    public void heal() {
        aws.heal();
    }

    @Override
    public long requestsReceived() {
        return aws.requests();
    }

    @Override
    public void close() {
        aws.close();
    }
}
