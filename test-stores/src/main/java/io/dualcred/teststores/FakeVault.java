package io.dualcred.teststores;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.dualcred.testservers.SelfSignedTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * Vault's HTTP API on 127.0.0.1, for the calls the Vault source makes, answered as Vault answers them:
 * <ul>
 *   <li>{@code GET /v1/<mount>/data/<path>} and {@code GET /v1/<mount>/metadata/<path>} on KV version 2 mounts,
 *       {@code GET /v1/<mount>/<path>} on version 1 mounts, with {@code X-Vault-Token} and
 *       {@code X-Vault-Namespace};</li>
 *   <li>{@code POST /v1/auth/<mount>/login} for AppRole ({@code role_id}, {@code secret_id}) and Kubernetes
 *       ({@code role}, {@code jwt}), issuing tokens with a lease;</li>
 *   <li>errors as {@code {"errors":[...]}} with Vault's statuses: 400, 403 permission denied, 404, 429, 503.</li>
 * </ul>
 * Secrets are changed as the CLI changes them: {@link #kvPut} replaces a secret with a new version, {@link #kvPatch}
 * merges fields into a new version. Requests are counted by kind, so a test can compare what the source says it
 * called with what the server saw.
 */
public final class FakeVault extends FakeHttpStore {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Set<String> kv1Mounts = ConcurrentHashMap.newKeySet();
    /** (namespace, mount/path) -> versions, the last one current. */
    private final Map<String, List<Map<String, String>>> secrets = new ConcurrentHashMap<>();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> appRoles = new ConcurrentHashMap<>();
    private final Map<String, String> kubernetesRoles = new ConcurrentHashMap<>();
    private final AtomicReference<Duration> loginLease = new AtomicReference<>(Duration.ofHours(1));
    private final String rootToken = "hvs." + hex(12);

    private FakeVault(SSLContext tls) {
        super("vault", "/v1/", tls);
        tokens.put(rootToken, Instant.MAX);
    }

    /** @return a running server on a free port of 127.0.0.1, with a KV v2 engine at {@code secret} */
    public static FakeVault start() {
        return start(null);
    }

    /**
     * @param directory where to write the server's self-signed certificate for {@code 127.0.0.1}, as
     *     {@link SelfSignedTls#CERTIFICATE_FILE} (PEM), for clients to trust
     * @return a running server speaking https only
     */
    public static FakeVault startWithTls(Path directory) {
        return start(SelfSignedTls.createIn(directory).serverContext());
    }

    private static FakeVault start(SSLContext tls) {
        return new FakeVault(tls);
    }

    /** @return a token valid until revoked */
    public String rootToken() {
        return rootToken;
    }

    /** @param token a token to accept from now on, until revoked (a test's own, e.g. one its leak scan knows) */
    public void addToken(String token) {
        tokens.put(token, Instant.MAX);
    }

    /** @param mount a mount to treat as KV version 1 */
    public void mountKv1(String mount) {
        kv1Mounts.add(mount);
    }

    /**
     * {@code vault kv put}: the secret's new version holds exactly these fields.
     *
     * @param namespace the namespace, {@code ""} for the root
     * @param secret mount and path, e.g. {@code secret/db}
     * @param fields the fields
     * @return the new version number
     */
    public int kvPut(String namespace, String secret, Map<String, String> fields) {
        List<Map<String, String>> versions = secrets.computeIfAbsent(key(namespace, secret), k -> new ArrayList<>());
        synchronized (versions) {
            versions.add(Map.copyOf(fields));
            return versions.size();
        }
    }

    /**
     * {@code vault kv patch}: the secret's new version holds the current fields with these merged in.
     *
     * @param namespace the namespace, {@code ""} for the root
     * @param secret mount and path
     * @param fields the fields to set
     * @return the new version number
     */
    public int kvPatch(String namespace, String secret, Map<String, String> fields) {
        List<Map<String, String>> versions = secrets.get(key(namespace, secret));
        if (versions == null) {
            throw new IllegalStateException("no secret " + secret + " to patch");
        }
        synchronized (versions) {
            Map<String, String> merged = new LinkedHashMap<>(versions.get(versions.size() - 1));
            merged.putAll(fields);
            versions.add(Map.copyOf(merged));
            return versions.size();
        }
    }

    /**
     * @param roleId the AppRole role id
     * @param secretId its secret id
     */
    public void addAppRole(String roleId, String secretId) {
        appRoles.put(roleId, secretId);
    }

    /**
     * @param role the Kubernetes auth role
     * @param jwt the service-account token it accepts
     */
    public void addKubernetesRole(String role, String jwt) {
        kubernetesRoles.put(role, jwt);
    }

    /** @param lease the lease of the tokens logins issue from now on */
    public void loginLease(Duration lease) {
        loginLease.set(lease);
    }

    /** Revokes every token, the root token included: as if they had expired. Logins issue new ones. */
    public void revokeTokens() {
        tokens.clear();
    }

    @Override
    protected String kind(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        if (path.startsWith("/v1/auth/")) {
            return "login";
        }
        return path.contains("/metadata/") ? "metadata" : "read";
    }

    @Override
    protected String contentType() {
        return "application/json";
    }

    @Override
    protected void answer(HttpExchange exchange, String requestBody) throws IOException {
        String path = exchange.getRequestURI().getPath().substring("/v1/".length());
        String namespace = header(exchange, "X-Vault-Namespace");
        if (path.startsWith("auth/") && path.endsWith("/login") && "POST".equals(exchange.getRequestMethod())) {
            login(exchange, json(requestBody));
            return;
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            send(exchange, 405, errors("unsupported operation"));
            return;
        }
        Instant expiry = tokens.get(header(exchange, "X-Vault-Token"));
        if (expiry == null || Instant.now().isAfter(expiry)) {
            send(exchange, 403, errors("permission denied"));
            return;
        }
        String mount = path.contains("/") ? path.substring(0, path.indexOf('/')) : path;
        String rest = path.substring(Math.min(path.length(), mount.length() + 1));
        if (kv1Mounts.contains(mount)) {
            Map<String, String> latest = latest(namespace, mount + "/" + rest);
            if (latest == null) {
                send(exchange, 404, errors());
                return;
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.set("data", JSON.valueToTree(latest));
            answer.put("lease_duration", 2764800);
            send(exchange, 200, answer.toString());
            return;
        }
        boolean data = rest.startsWith("data/");
        if (!data && !rest.startsWith("metadata/")) {
            send(exchange, 404, errors("no handler for route \"" + path + "\"")); // as Vault says
            return;
        }
        String secret = mount + "/" + rest.substring(rest.indexOf('/') + 1);
        List<Map<String, String>> versions = secrets.get(key(namespace, secret));
        if (versions == null) {
            send(exchange, 404, errors());
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        ObjectNode body = answer.putObject("data");
        synchronized (versions) {
            if (data) {
                body.set("data", JSON.valueToTree(versions.get(versions.size() - 1)));
                ObjectNode metadata = body.putObject("metadata");
                metadata.put("created_time", Instant.now().toString());
                metadata.put("deletion_time", "");
                metadata.put("destroyed", false);
                metadata.put("version", versions.size());
            } else {
                body.put("current_version", versions.size());
                body.put("oldest_version", 1);
                body.put("max_versions", 0);
                ObjectNode all = body.putObject("versions");
                for (int v = 1; v <= versions.size(); v++) {
                    all.putObject(String.valueOf(v)).put("destroyed", false);
                }
            }
        }
        send(exchange, 200, answer.toString());
    }

    private void login(HttpExchange exchange, JsonNode request) throws IOException {
        boolean accepted;
        if (request.has("role_id")) {
            accepted = request.path("secret_id").asText().equals(appRoles.get(request.path("role_id").asText()));
        } else {
            accepted = request.path("jwt").asText().equals(kubernetesRoles.get(request.path("role").asText()));
        }
        if (!accepted) {
            send(exchange, 400, errors("invalid role or secret ID")); // what Vault answers to a bad AppRole login
            return;
        }
        String token = "hvs." + hex(12);
        Duration lease = loginLease.get();
        tokens.put(token, Instant.now().plus(lease));
        ObjectNode answer = JSON.createObjectNode();
        ObjectNode auth = answer.putObject("auth");
        auth.put("client_token", token);
        auth.put("lease_duration", lease.toSeconds());
        auth.put("renewable", true);
        send(exchange, 200, answer.toString());
    }

    private Map<String, String> latest(String namespace, String secret) {
        List<Map<String, String>> versions = secrets.get(key(namespace, secret));
        if (versions == null) {
            return null;
        }
        synchronized (versions) {
            return versions.get(versions.size() - 1);
        }
    }

    private static String key(String namespace, String secret) {
        return (namespace == null ? "" : namespace) + "|" + secret;
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "" : value;
    }

    /**
     * @param messages Vault's error messages
     * @return Vault's error body
     */
    public static String errors(String... messages) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("errors").addAll(List.of(messages).stream().map(JSON.getNodeFactory()::textNode).toList());
        return body.toString();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
