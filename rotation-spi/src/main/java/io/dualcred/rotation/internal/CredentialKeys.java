package io.dualcred.rotation.internal;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The keys every key-per-value source reads, and the one place that turns their values into a
 * {@link CredentialSet}, so that environment variables, system properties and secret files follow the same rules.
 */
final class CredentialKeys {

    static final String USER = "USER";
    static final String PASSWORD_CURRENT = "PASSWORD_CURRENT";
    static final String PASSWORD_NEXT = "PASSWORD_NEXT";
    static final String USER_NEXT = "USER_NEXT";
    /** Optional and not secret: the operator's label for each password, shown on the server beside each session. */
    static final String VERSION_CURRENT = "VERSION_CURRENT";
    static final String VERSION_NEXT = "VERSION_NEXT";

    static final List<String> ALL =
            List.of(USER, PASSWORD_CURRENT, PASSWORD_NEXT, USER_NEXT, VERSION_CURRENT, VERSION_NEXT);

    private CredentialKeys() {
    }

    /**
     * Builds the set from the values found under the keys.
     *
     * @param source the source's description, the first word of every message
     * @param values the value under a key, {@code null} when the key is absent
     * @param displayName how messages name a key, e.g. {@code environment variable DB_USER}
     * @param absent how messages say that a required key is absent, e.g. {@code is not set}
     * @return CURRENT, plus NEXT when a non-blank NEXT password is present
     * @throws CredentialSourceException naming the key that is absent or blank; never a value
     */
    static CredentialSet assemble(String source, UnaryOperator<String> values, UnaryOperator<String> displayName,
            String absent) {
        String user = required(source, USER, values, displayName, absent);
        String password = required(source, PASSWORD_CURRENT, values, displayName, absent);
        Credential current = versioned(source, Credential.of(user, password), VERSION_CURRENT, values, displayName);

        String nextPassword = values.apply(PASSWORD_NEXT);
        if (isBlank(nextPassword)) {
            // An operator clears NEXT by emptying it; that must read as "no rotation staged", not as an error.
            return CredentialSet.of(current);
        }
        String nextUser = values.apply(USER_NEXT);
        Credential next = Credential.of(isBlank(nextUser) ? user : nextUser, nextPassword);
        return CredentialSet.of(current, versioned(source, next, VERSION_NEXT, values, displayName));
    }

    private static Credential versioned(String source, Credential credential, String key, UnaryOperator<String> values,
            UnaryOperator<String> displayName) {
        String version = values.apply(key);
        if (isBlank(version)) {
            return credential;
        }
        try {
            return credential.withVersion(version.strip());
        } catch (IllegalArgumentException e) {
            throw new CredentialSourceException(source + ": " + displayName.apply(key) + " is invalid: "
                    + e.getMessage());
        }
    }

    private static String required(String source, String key, UnaryOperator<String> values,
            UnaryOperator<String> displayName, String absent) {
        String value = values.apply(key);
        if (value == null) {
            throw new CredentialSourceException(source + ": " + displayName.apply(key) + " " + absent);
        }
        if (value.isBlank()) {
            String problem = value.isEmpty() ? "is empty" : "is blank";
            throw new CredentialSourceException(source + ": " + displayName.apply(key) + " " + problem);
        }
        return value;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
