package io.dualcred.sources.vault;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import java.util.function.UnaryOperator;

/**
 * The fields of the one Vault secret that holds both slots, and the rules that turn them into a set: the same as
 * the built-in sources' keys ({@code USER}, {@code PASSWORD_CURRENT}, ...), under Vault-style names.
 *
 * @param username the CURRENT username, required
 * @param current the CURRENT password, required
 * @param next the NEXT password; absent or blank means nothing is staged
 * @param nextUsername the NEXT username (alternating users); absent or blank means {@code username}
 * @param currentVersion the CURRENT password's label shown in session tags; optional, not secret
 * @param nextVersion the NEXT password's label; optional, not secret
 */
record VaultFields(String username, String current, String next, String nextUsername, String currentVersion,
        String nextVersion) {

    static final VaultFields DEFAULT = new VaultFields("username", "current", "next", "username_next",
            "current_version", "next_version");

    /**
     * @param source the source's description, the first word of every message
     * @param values a field's value, {@code null} when absent
     * @return CURRENT, plus NEXT when a non-blank NEXT password is present
     * @throws CredentialSourceException naming the field that is missing, blank or invalid; never a value
     */
    CredentialSet assemble(String source, UnaryOperator<String> values) {
        Credential currentCredential = versioned(source, Credential.of(required(source, username, values),
                required(source, current, values)), currentVersion, values);
        String nextPassword = values.apply(next);
        if (isBlank(nextPassword)) {
            return CredentialSet.of(currentCredential);
        }
        String nextUser = values.apply(nextUsername);
        Credential nextCredential = Credential.of(isBlank(nextUser) ? currentCredential.username() : nextUser,
                nextPassword);
        return CredentialSet.of(currentCredential, versioned(source, nextCredential, nextVersion, values));
    }

    private static Credential versioned(String source, Credential credential, String field,
            UnaryOperator<String> values) {
        String version = values.apply(field);
        if (isBlank(version)) {
            return credential;
        }
        try {
            return credential.withVersion(version.strip());
        } catch (IllegalArgumentException e) {
            throw new CredentialSourceException(source + ": field '" + field + "' is invalid: " + e.getMessage());
        }
    }

    private static String required(String source, String field, UnaryOperator<String> values) {
        String value = values.apply(field);
        if (isBlank(value)) {
            throw new CredentialSourceException(source + ": field '" + field + "' is "
                    + (value == null ? "missing" : "blank"));
        }
        return value;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
