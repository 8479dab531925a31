package io.dualcred.sources.vault;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How the Vault source gets a token: a token given outright (or a file a Vault Agent keeps up to date), or a login
 * with AppRole or a Kubernetes service account. A login's token is reused until two thirds of its lease have passed
 * or Vault answers 403, then the source logs in again.
 *
 * <p>Secrets (tokens, secret ids, JWTs) are asked for when needed, from a supplier or a file read at each use, so
 * that a file rewritten by an agent or the kubelet is picked up; none is ever kept in a message or a
 * {@code toString()}.
 */
public final class VaultAuth {

    /** The file Kubernetes mounts a pod's service-account token at. */
    public static final Path KUBERNETES_JWT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    final Method method;

    private VaultAuth(Method method) {
        this.method = method;
    }

    /**
     * @param token supplies the token on every request, e.g. {@code () -> System.getenv("VAULT_TOKEN")}
     * @return token authentication
     */
    public static VaultAuth token(Supplier<String> token) {
        Objects.requireNonNull(token, "token");
        return new VaultAuth(new Method.Token(() -> Secrets.required(token.get(), "the Vault token")));
    }

    /**
     * @param file a file holding the token, read at every request (a Vault Agent sink, {@code ~/.vault-token})
     * @return token authentication
     */
    public static VaultAuth tokenFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new VaultAuth(new Method.Token(() -> Secrets.readFile(file, "token file")));
    }

    /**
     * Logs in with AppRole: {@code POST /v1/auth/<mount>/login} with the role id and a secret id.
     *
     * @param mount where the AppRole auth method is enabled, usually {@code approle}
     * @param roleId the role id (not secret)
     * @param secretId supplies the secret id at each login
     * @return AppRole authentication
     */
    public static VaultAuth appRole(String mount, String roleId, Supplier<String> secretId) {
        Objects.requireNonNull(secretId, "secretId");
        String role = Secrets.required(roleId, "the AppRole role id");
        return new VaultAuth(new Method.Login(Secrets.required(mount, "the AppRole mount"), "AppRole",
                () -> Json.object("role_id", role, "secret_id", Secrets.required(secretId.get(), "the secret id"))));
    }

    /**
     * Logs in with a Kubernetes service-account token: {@code POST /v1/auth/<mount>/login} with the role and the JWT.
     *
     * @param mount where the Kubernetes auth method is enabled, usually {@code kubernetes}
     * @param role the Vault role bound to the service account
     * @param jwtFile the service-account token, read at each login ({@link #KUBERNETES_JWT} in a pod)
     * @return Kubernetes authentication
     */
    public static VaultAuth kubernetes(String mount, String role, Path jwtFile) {
        Objects.requireNonNull(jwtFile, "jwtFile");
        String vaultRole = Secrets.required(role, "the Kubernetes role");
        return new VaultAuth(new Method.Login(Secrets.required(mount, "the Kubernetes auth mount"), "Kubernetes",
                () -> Json.object("role", vaultRole, "jwt", Secrets.readFile(jwtFile, "service-account token"))));
    }

    /** @return the method's name, e.g. {@code AppRole (auth/approle)}; never a secret */
    @Override
    public String toString() {
        return method.toString();
    }
}
