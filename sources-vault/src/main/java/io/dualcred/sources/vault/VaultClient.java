package io.dualcred.sources.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.StoreCallCounter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Vault's HTTP API, the few calls the source makes: {@code GET} a path with a token, {@code POST} a login. Every
 * request is counted, has a timeout, and fails with a message naming the path and Vault's answer (status and its
 * {@code errors}), with the token blanked out should Vault ever echo it.
 */
final class VaultClient {

    private static final Pattern VAULT_TOKEN = Pattern.compile("\\b(hv[sbr]|s|b|r)\\.[A-Za-z0-9_.-]{8,}");
    private static final Pattern LONG_RANDOM_WORD =
            Pattern.compile("(?=[^\\s\"']*[0-9])(?=[^\\s\"']*[A-Za-z])[^\\s\"']{20,}");

    private final HttpClient http;
    private final URI address;
    private final String namespace;
    private final Method auth;
    private final Duration timeout;
    private final StoreCallCounter counter;
    private final String description;

    VaultClient(URI address, String namespace, VaultAuth auth, SSLContext ssl, Duration timeout,
            StoreCallCounter counter, String description) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.http = builder.build();
        this.address = address;
        this.namespace = namespace;
        this.auth = auth.method;
        this.timeout = timeout;
        this.counter = counter;
        this.description = description;
    }

    /**
     * @param path the API path after {@code /v1/}, e.g. {@code secret/data/db}
     * @return the answer's JSON
     * @throws CredentialSourceException naming the path and Vault's answer
     */
    JsonNode get(String path) throws Exception {
        String token = auth.token(this);
        Answer answer = send(path, request(path).GET(), token);
        if (answer.status == 403 && auth.rejected(token)) {
            // An expired or revoked login token: log in again, once.
            token = auth.token(this);
            answer = send(path, request(path).GET(), token);
        }
        return answer.json(path, List.of(token));
    }

    /**
     * @param path the login path after {@code /v1/}, e.g. {@code auth/approle/login}
     * @param body the login's JSON body, which holds a secret
     * @return the answer's JSON
     */
    JsonNode login(String path, ObjectNode body) throws Exception {
        String json = Json.MAPPER.writeValueAsString(body);
        List<String> secrets = new ArrayList<>();
        body.forEach(value -> secrets.add(value.asText()));
        return send(path, request(path).POST(HttpRequest.BodyPublishers.ofString(json)), null).json(path, secrets);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(address.resolve("/v1/" + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        if (namespace != null) {
            request.header("X-Vault-Namespace", namespace);
        }
        return request;
    }

    private Answer send(String path, HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("X-Vault-Token", token);
        }
        try {
            return counter.count(() -> send(path, request.build()));
        } catch (Refused refused) {
            return refused.answer;
        }
    }

    private Answer send(String path, HttpRequest request) throws Refused {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                Answer answer = new Answer(response.statusCode(), response.body());
                if (answer.status != 200) {
                    // Counted as a failure; the caller decides whether to retry.
                    throw new Refused(answer);
                }
                return answer;
            } catch (HttpTimeoutException e) {
                throw new CredentialSourceException(description + ": Vault did not answer " + path + " within "
                        + timeout.toMillis() + " ms");
            } catch (IOException e) {
                throw new CredentialSourceException(description + ": cannot reach Vault for " + path + ": "
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CredentialSourceException(description + ": interrupted while asking Vault for " + path);
            }
    }

    /** An answer other than 200, carried out of the counted call. */
    private static final class Refused extends Exception {
        final transient Answer answer;

        Refused(Answer answer) {
            super(null, null, false, false);
            this.answer = answer;
        }
    }

    /** One HTTP answer. */
    private final class Answer {
        final int status;
        final String body;

        Answer(int status, String body) {
            this.status = status;
            this.body = body;
        }

        JsonNode json(String path, List<String> secrets) throws IOException {
            if (status != 200) {
                throw new CredentialSourceException(description + ": Vault answered " + status + " "
                        + meaning(status) + " for " + path + errors(secrets));
            }
            try {
                return Json.parse(body);
            } catch (IOException e) {
                throw new CredentialSourceException(description + ": Vault's answer for " + path
                        + " is not JSON");
            }
        }

        private String errors(List<String> secrets) {
            List<String> errors = new ArrayList<>();
            try {
                Json.parse(body).path("errors").forEach(error -> errors.add(error.asText()));
            } catch (IOException e) {
                return "";
            }
            if (errors.isEmpty()) {
                return "";
            }
            String text = String.join("; ", errors).replaceAll("\\s+", " ").strip();
            for (String secret : secrets) {
                if (secret != null && !secret.isEmpty()) {
                    text = text.replace(secret, "****");
                }
            }
            // Vault's messages name paths and reasons, not secrets; should one ever quote a token or a secret id
            // this request did not send, it looks like this: a Vault token, or a long word of letters and digits.
            text = VAULT_TOKEN.matcher(text).replaceAll("****");
            text = LONG_RANDOM_WORD.matcher(text).replaceAll("****");
            return ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
        }
    }

    private static String meaning(int status) {
        return switch (status) {
            case 400 -> "(bad request)";
            case 403 -> "(permission denied: the token is invalid or expired, or its policy does not allow this)";
            case 404 -> "(no secret there, or a wrong mount, path or namespace)";
            case 429 -> "(rate limited)";
            case 500 -> "(internal error)";
            case 502 -> "(bad gateway)";
            case 503 -> "(sealed, or in maintenance)";
            default -> "";
        };
    }
}
