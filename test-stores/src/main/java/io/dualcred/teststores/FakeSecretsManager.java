package io.dualcred.teststores;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AWS Secrets Manager's JSON 1.1 protocol on 127.0.0.1 ({@code POST /} with {@code X-Amz-Target:
 * secretsmanager.<Operation>}), for what the {@code aws-sm:} source and the runbook use: {@code DescribeSecret},
 * {@code GetSecretValue} (by version id or stage), {@code ListSecretVersionIds}, {@code PutSecretValue} and
 * {@code UpdateSecretVersionStage}, with AWS's staging rules (moving {@code AWSCURRENT} leaves {@code AWSPREVIOUS} on
 * the version it left). Errors come as AWS sends them: status 400 and {@code {"__type": ..., "message": ...}}
 * ({@link #error}). Requests are counted by operation. Signatures are not checked, but a request must carry one.
 */
public final class FakeSecretsManager extends FakeHttpStore {

    private static final String PREFIX = "secretsmanager.";

    /** Secrets by name; versions in creation order. */
    private final Map<String, Map<String, Set<String>>> stages = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> values = new ConcurrentHashMap<>();

    private FakeSecretsManager() {
        super("secretsmanager", "/", null);
    }

    /** @return a running server on a free port of 127.0.0.1, holding no secret */
    public static FakeSecretsManager start() {
        return new FakeSecretsManager();
    }

    /**
     * {@code aws secretsmanager create-secret --name <name> --secret-string file://...}.
     *
     * @param name the secret's name
     * @param secretString its first value, labelled {@code AWSCURRENT}
     * @return the version id
     */
    public String createSecret(String name, String secretString) {
        stages.put(name, new LinkedHashMap<>());
        values.put(name, new ConcurrentHashMap<>());
        return putSecretValue(name, secretString, "AWSCURRENT");
    }

    /**
     * {@code aws secretsmanager put-secret-value --version-stages ...}: a new version, to which the stages move.
     *
     * @param name the secret's name
     * @param secretString the value
     * @param versionStages the stages to attach, e.g. {@code AWSPENDING}
     * @return the new version id
     */
    public String putSecretValue(String name, String secretString, String... versionStages) {
        Map<String, Set<String>> versions = secret(name);
        String versionId = UUID.randomUUID().toString();
        synchronized (versions) {
            values.get(name).put(versionId, secretString);
            versions.put(versionId, new LinkedHashSet<>());
            for (String stage : versionStages) {
                move(versions, stage, versionId);
            }
        }
        return versionId;
    }

    /**
     * {@code aws secretsmanager update-secret-version-stage}: moves a stage to a version, or removes it from one.
     *
     * @param name the secret's name
     * @param stage e.g. {@code AWSCURRENT}
     * @param moveToVersionId the version to attach it to, or {@code null} to only remove it
     * @param removeFromVersionId the version it must be on now, or {@code null} when it is on none
     * @throws IllegalArgumentException as AWS refuses: the stage is on another version than {@code removeFrom}
     */
    public void updateSecretVersionStage(String name, String stage, String moveToVersionId,
            String removeFromVersionId) {
        Map<String, Set<String>> versions = secret(name);
        synchronized (versions) {
            String holder = holder(versions, stage);
            if (holder != null && !holder.equals(removeFromVersionId) && !holder.equals(moveToVersionId)) {
                throw new IllegalArgumentException("The staging label " + stage + " is currently attached to version "
                        + holder + ", so you must explicitly reference that version in RemoveFromVersionId.");
            }
            if (moveToVersionId == null) {
                if (holder != null) {
                    versions.get(holder).remove(stage);
                }
            } else {
                move(versions, stage, moveToVersionId);
            }
        }
    }

    /**
     * @param name the secret's name
     * @param stage a stage
     * @return the version holding it, or {@code null}
     */
    public String versionWith(String name, String stage) {
        Map<String, Set<String>> versions = secret(name);
        synchronized (versions) {
            return holder(versions, stage);
        }
    }

    /**
     * @param type AWS's error type, e.g. {@code ThrottlingException}
     * @param message its message
     * @return the body AWS sends with it
     */
    public static String error(String type, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("__type", type);
        body.put("message", message);
        return body.toString();
    }

    @Override
    protected String kind(HttpExchange exchange) {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        return target == null ? "unknown" : target.substring(target.indexOf('.') + 1);
    }

    @Override
    protected String contentType() {
        return "application/x-amz-json-1.1";
    }

    @Override
    protected void answer(HttpExchange exchange, String requestBody) throws IOException {
        String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
        if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
            send(exchange, 400, error("MissingAuthenticationTokenException", "Missing Authentication Token"));
            return;
        }
        JsonNode request = json(requestBody);
        String name = nameOf(request.path("SecretId").asText());
        Map<String, Set<String>> versions = name == null ? null : stages.get(name);
        if (versions == null) {
            send(exchange, 400, error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("ARN", arn(name));
        answer.put("Name", name);
        synchronized (versions) {
            switch (target.startsWith(PREFIX) ? target.substring(PREFIX.length()) : target) {
                case "DescribeSecret" -> {
                    ObjectNode map = answer.putObject("VersionIdsToStages");
                    versions.forEach((id, labels) -> {
                        if (!labels.isEmpty()) {
                            labels.forEach(map.putArray(id)::add);
                        }
                    });
                    answer.put("LastChangedDate", Instant.now().getEpochSecond());
                }
                case "ListSecretVersionIds" -> {
                    ArrayNode list = answer.putArray("Versions");
                    versions.forEach((id, labels) -> {
                        ObjectNode version = list.addObject().put("VersionId", id);
                        labels.forEach(version.putArray("VersionStages")::add);
                    });
                }
                case "GetSecretValue" -> {
                    String versionId = request.hasNonNull("VersionId") ? request.get("VersionId").asText()
                            : holder(versions, request.path("VersionStage").asText("AWSCURRENT"));
                    if (versionId == null || !versions.containsKey(versionId)) {
                        send(exchange, 400, error("ResourceNotFoundException", "Secrets Manager can't find the "
                                + "specified secret value for " + (request.hasNonNull("VersionId")
                                ? "VersionId: " + request.get("VersionId").asText()
                                : "staging label: " + request.path("VersionStage").asText("AWSCURRENT"))));
                        return;
                    }
                    answer.put("VersionId", versionId);
                    answer.put("SecretString", values.get(name).get(versionId));
                    versions.get(versionId).forEach(answer.putArray("VersionStages")::add);
                    answer.put("CreatedDate", Instant.now().getEpochSecond());
                }
                default -> {
                    send(exchange, 400, error("UnknownOperationException", "Unknown operation " + target));
                    return;
                }
            }
        }
        send(exchange, 200, answer.toString());
    }

    private Map<String, Set<String>> secret(String name) {
        Map<String, Set<String>> versions = stages.get(name);
        if (versions == null) {
            throw new IllegalArgumentException("no secret " + name);
        }
        return versions;
    }

    private String nameOf(String secretId) {
        if (stages.containsKey(secretId)) {
            return secretId;
        }
        return stages.keySet().stream().filter(name -> arn(name).equals(secretId)).findFirst().orElse(null);
    }

    private static String arn(String name) {
        return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf";
    }

    private static String holder(Map<String, Set<String>> versions, String stage) {
        List<String> holders = new ArrayList<>();
        versions.forEach((id, labels) -> {
            if (labels.contains(stage)) {
                holders.add(id);
            }
        });
        return holders.isEmpty() ? null : holders.get(0);
    }

    /** Attaches the stage to the version; AWSCURRENT leaves AWSPREVIOUS behind on the version it left. */
    private static void move(Map<String, Set<String>> versions, String stage, String versionId) {
        String previous = holder(versions, stage);
        if (previous != null) {
            versions.get(previous).remove(stage);
        }
        versions.get(versionId).add(stage);
        if ("AWSCURRENT".equals(stage) && previous != null && !previous.equals(versionId)) {
            versions.values().forEach(labels -> labels.remove("AWSPREVIOUS"));
            versions.get(previous).add("AWSPREVIOUS");
        }
    }
}
