package io.dualcred.sources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSourceException;

/**
 * Reads a credential from a secret value holding JSON such as {@code {"username": "orders", "password": "..."}}, as
 * AWS's rotation functions write them (other keys, e.g. {@code host}, are ignored). Messages name the key and never
 * show the document, which holds the password.
 */
public final class JsonSecret {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonSecret() {
    }

    /**
     * @param json the secret value
     * @param usernameKey the key of the username, e.g. {@code username}
     * @param passwordKey the key of the password, e.g. {@code password}
     * @param where names the value in messages, e.g. {@code aws-sm:orders-db AWSPENDING}
     * @return the credential
     * @throws CredentialSourceException when the value is not a JSON object or a key is missing or blank
     */
    public static Credential credential(String json, String usernameKey, String passwordKey, String where) {
        JsonNode document;
        try {
            document = json == null ? null : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            // The parser's message quotes the document, which holds the password: say where, not what.
            throw new CredentialSourceException(where + " is not JSON (expected {\"" + usernameKey + "\": ..., \""
                    + passwordKey + "\": ...})");
        }
        if (document == null || !document.isObject()) {
            throw new CredentialSourceException(where + " is not a JSON object with \"" + usernameKey + "\" and \""
                    + passwordKey + "\"");
        }
        return Credential.of(text(document, usernameKey, where), text(document, passwordKey, where));
    }

    private static String text(JsonNode document, String key, String where) {
        JsonNode value = document.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new CredentialSourceException(where + ": key \"" + key + "\" is "
                    + (value == null ? "missing" : "not a non-blank string"));
        }
        return value.asText();
    }
}
