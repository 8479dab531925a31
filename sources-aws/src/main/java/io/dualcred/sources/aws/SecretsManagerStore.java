package io.dualcred.sources.aws;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.JsonSecret;
import io.dualcred.sources.RemoteStore;
import io.dualcred.sources.StoreCallCounter;
import io.dualcred.sources.StoreErrors;
import io.dualcred.sources.StoreRead;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * One secret's two stages. The version check is {@code DescribeSecret}, whose map of version ids to stages changes
 * whenever a stage moves or a value is put; a read is that call plus {@code GetSecretValue} for each staged version,
 * by version id, so that both values belong to the map just read.
 */
final class SecretsManagerStore implements RemoteStore {

    private final SecretsManagerClient client;
    private final String secretId;
    private final String currentStage;
    private final String nextStage;
    private final String usernameKey;
    private final String passwordKey;
    private final StoreCallCounter counter;
    private final String description;

    SecretsManagerStore(SecretsManagerClient client, String secretId, String currentStage, String nextStage,
            String usernameKey, String passwordKey, StoreCallCounter counter, String description) {
        this.client = client;
        this.secretId = secretId;
        this.currentStage = currentStage;
        this.nextStage = nextStage;
        this.usernameKey = usernameKey;
        this.passwordKey = passwordKey;
        this.counter = counter;
        this.description = description;
    }

    @Override
    public StoreRead read() throws Exception {
        Map<String, List<String>> stages = stages();
        String currentId = versionWith(stages, currentStage);
        if (currentId == null) {
            throw new CredentialSourceException(description + ": no version has the stage " + currentStage);
        }
        String nextId = versionWith(stages, nextStage);
        Credential current = credential(currentId, currentStage);
        Credential next = nextId == null || nextId.equals(currentId) ? null : credential(nextId, nextStage);
        return new StoreRead(CredentialSet.of(current, next), token(stages));
    }

    @Override
    public String version() throws Exception {
        return token(stages());
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    private Map<String, List<String>> stages() throws Exception {
        DescribeSecretResponse described = call("DescribeSecret", () -> client.describeSecret(
                request -> request.secretId(secretId)));
        return described.versionIdsToStages();
    }

    private Credential credential(String versionId, String stage) throws Exception {
        GetSecretValueResponse value = call("GetSecretValue " + stage, () -> client.getSecretValue(
                request -> request.secretId(secretId).versionId(versionId)));
        if (value.secretString() == null) {
            throw new CredentialSourceException(description + " " + stage + " holds binary data, not JSON text");
        }
        Credential credential = JsonSecret.credential(value.secretString(), usernameKey, passwordKey,
                description + " " + stage);
        try {
            return credential.withVersion(versionId);
        } catch (IllegalArgumentException e) {
            // A version id chosen by whoever put the value (ClientRequestToken) may not fit a session tag.
            return credential;
        }
    }

    /** The versions holding the two stages: what a read depends on, compared between polls, never shown. */
    private String token(Map<String, List<String>> stages) {
        return currentStage + "=" + versionWith(stages, currentStage) + "," + nextStage + "="
                + versionWith(stages, nextStage);
    }

    private static String versionWith(Map<String, List<String>> stages, String stage) {
        return stages.entrySet().stream()
                .filter(entry -> entry.getValue().contains(stage))
                .map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /** Counts the call and turns the SDK's exception into one that names the call and AWS's answer. */
    private <T> T call(String what, Callable<T> request) throws Exception {
        try {
            return counter.count(request);
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
            throw new CredentialSourceException(description + ": " + what + " answered " + e.statusCode()
                    + (code == null ? "" : " " + code) + (message == null ? "" : ": " + StoreErrors.shorten(message)));
        } catch (ApiCallTimeoutException e) {
            throw new CredentialSourceException(description + ": " + what + " got no answer in time");
        } catch (SdkException e) {
            throw new CredentialSourceException(description + ": " + what + " failed: "
                    + StoreErrors.shorten(e.getMessage()));
        }
    }
}
