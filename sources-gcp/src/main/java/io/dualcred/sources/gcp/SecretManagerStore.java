package io.dualcred.sources.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.JsonSecret;
import io.dualcred.sources.RemoteStore;
import io.dualcred.sources.StoreCallCounter;
import io.dualcred.sources.StoreErrors;
import io.dualcred.sources.StoreRead;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * CURRENT and NEXT in Secret Manager, in one of two layouts.
 *
 * <p><b>Aliases</b> (the default): one secret whose version aliases name the two versions. The version check is
 * {@code GetSecret}, whose {@code version_aliases} map moves with every alias change; a read is that call plus
 * {@code AccessSecretVersion} for each aliased version, by number, so both values belong to the map just read.
 *
 * <p><b>Two secrets</b>: CURRENT is the latest version of one secret, NEXT the latest enabled version of another;
 * a NEXT secret with no version, or whose latest version is disabled or destroyed, means nothing is staged. Secret
 * Manager has no cheap call that tells a secret's latest version, so the version check is a read.
 */
final class SecretManagerStore implements RemoteStore {

    private final SecretManagerServiceClient client;
    private final String secret;
    private final String nextSecret;
    private final String currentAlias;
    private final String nextAlias;
    private final String usernameKey;
    private final String passwordKey;
    private final StoreCallCounter counter;
    private final String description;

    SecretManagerStore(SecretManagerServiceClient client, String secret, String nextSecret, String currentAlias,
            String nextAlias, String usernameKey, String passwordKey, StoreCallCounter counter, String description) {
        this.client = client;
        this.secret = secret;
        this.nextSecret = nextSecret;
        this.currentAlias = currentAlias;
        this.nextAlias = nextAlias;
        this.usernameKey = usernameKey;
        this.passwordKey = passwordKey;
        this.counter = counter;
        this.description = description;
    }

    @Override
    public StoreRead read() throws Exception {
        if (nextSecret != null) {
            return readTwoSecrets();
        }
        Map<String, Long> aliases = aliases();
        Long current = aliases.get(currentAlias);
        if (current == null) {
            throw new CredentialSourceException(description + ": no version has the alias " + currentAlias);
        }
        Long next = aliases.get(nextAlias);
        Credential currentCredential = credential(access(secret + "/versions/" + current), currentAlias);
        Credential nextCredential = next == null || next.equals(current) ? null
                : credential(access(secret + "/versions/" + next), nextAlias);
        return new StoreRead(CredentialSet.of(currentCredential, nextCredential), token(current, next));
    }

    @Override
    public String version() throws Exception {
        if (nextSecret != null) {
            return read().version();
        }
        Map<String, Long> aliases = aliases();
        return token(aliases.get(currentAlias), aliases.get(nextAlias));
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    private StoreRead readTwoSecrets() throws Exception {
        AccessSecretVersionResponse current = access(secret + "/versions/latest");
        AccessSecretVersionResponse next;
        try {
            next = access(nextSecret + "/versions/latest");
        } catch (Staged.Nothing e) {
            next = null;
        }
        Credential nextCredential = next == null ? null : credential(next, "next");
        String token = current.getName() + "," + (next == null ? "none" : next.getName());
        return new StoreRead(CredentialSet.of(credential(current, "current"), nextCredential), token);
    }

    private Map<String, Long> aliases() throws Exception {
        return call("GetSecret", () -> client.getSecret(secret)).getVersionAliasesMap();
    }

    private AccessSecretVersionResponse access(String version) throws Exception {
        return call("AccessSecretVersion " + version.substring(version.indexOf("/secrets/") + 1),
                () -> client.accessSecretVersion(version));
    }

    private Credential credential(AccessSecretVersionResponse version, String slot) {
        Credential credential = JsonSecret.credential(version.getPayload().getData().toStringUtf8(), usernameKey,
                passwordKey, description + " " + slot);
        String name = version.getName();
        return credential.withVersion(name.substring(name.lastIndexOf('/') + 1));
    }

    private String token(Long current, Long next) {
        return currentAlias + "=" + current + "," + nextAlias + "=" + next;
    }

    /** Counts the call and turns gax's exception into one that names the call and Google's answer. */
    private <T> T call(String what, Callable<T> request) throws Exception {
        try {
            return counter.count(request);
        } catch (ApiException e) {
            StatusCode.Code code = e.getStatusCode().getCode();
            if (nextSecret != null && what.contains(nextSecret.substring(nextSecret.indexOf("/secrets/") + 1))
                    && (code == StatusCode.Code.NOT_FOUND || code == StatusCode.Code.FAILED_PRECONDITION)) {
                throw new Staged.Nothing();
            }
            if (code == StatusCode.Code.DEADLINE_EXCEEDED) {
                throw new CredentialSourceException(description + ": " + what + " got no answer in time");
            }
            throw new CredentialSourceException(description + ": " + what + " answered " + code + ": "
                    + StoreErrors.shorten(e.getMessage()));
        }
    }

    /** Outcomes of the NEXT secret that are not failures. */
    private static final class Staged {
        private Staged() {
        }

        /** The NEXT secret has no enabled latest version: nothing is staged. */
        static final class Nothing extends Exception {
            Nothing() {
                super(null, null, false, false);
            }
        }
    }
}
