package io.dualcred.rotation;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A username and password pair, with an optional non-secret version label.
 *
 * <p>Two credentials are equal when the username, the password and the version are equal. {@link #toString()} never
 * shows the password, so a credential can be logged or put in an exception message safely; {@link #password()} is
 * the only way to read it and should be called only by the code that sends it to the server.
 *
 * <h2>The version</h2>
 * The {@link #version()} is the store's own name for this secret value — a Vault KV metadata version, an AWS
 * version id, a Google Secret Manager version number, or the {@code VERSION_CURRENT} / {@code VERSION_NEXT} key of
 * the built-in sources — set with {@link #withVersion(String)}. The connectors tag every session they open with it
 * (PostgreSQL {@code application_name}, Redis {@code CLIENT SETNAME}), so that an operator sees on the server which
 * sessions still use an old password. It is public information: it must be the same on every instance for the same
 * secret and must tell nothing about the password, which is why dualcred never derives one from the password itself.
 */
public final class Credential {

    /** What a version may look like: short, printable, no spaces, nothing a server's client name refuses. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._+-]{1,40}");

    private final String username;
    private final String password;
    private final String version;

    private Credential(String username, String password, String version) {
        this.username = username;
        this.password = password;
        this.version = version;
    }

    /**
     * Creates a credential.
     *
     * @param username the login name; must not be blank
     * @param password the password; must not be empty
     * @return the credential
     * @throws IllegalArgumentException naming the invalid field (never showing the password)
     */
    public static Credential of(String username, String password) {
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("username must not be blank");
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("password for user '" + username + "' must not be empty");
        }
        return new Credential(username, password, null);
    }

    /**
     * The same username and password, labelled with the store's version of the secret.
     *
     * @param storeVersion 1 to 40 letters, digits, {@code .}, {@code _}, {@code +} or {@code -}, e.g. {@code 7} or
     *     an AWS version id; {@code null} for none. Must not contain the password.
     * @return the labelled credential
     * @throws IllegalArgumentException naming the field {@code version} (never showing the password)
     */
    public Credential withVersion(String storeVersion) {
        if (storeVersion == null) {
            return version == null ? this : new Credential(username, password, null);
        }
        if (!VERSION.matcher(storeVersion).matches()) {
            throw new IllegalArgumentException("version for user '" + username + "' must be 1 to 40 letters, digits, "
                    + "'.', '_', '+' or '-'");
        }
        // A version is shown to anyone who can list sessions; a store misconfigured to put the secret there must
        // not turn that into a leak.
        if (storeVersion.contains(password)) {
            throw new IllegalArgumentException("version for user '" + username + "' must not contain the password");
        }
        return new Credential(username, password, storeVersion);
    }

    /** @return the login name */
    public String username() {
        return username;
    }

    /** @return the secret; hand it only to the driver that authenticates with it */
    public String password() {
        return password;
    }

    /** @return the store's non-secret version of this secret, if the store has one */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Credential that
                && username.equals(that.username)
                && password.equals(that.password)
                && Objects.equals(version, that.version);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, password, version);
    }

    /** @return the username and version followed by a mask in place of the password */
    @Override
    public String toString() {
        return "Credential[username=" + username + (version == null ? "" : ", version=" + version)
                + ", password=****]";
    }
}
