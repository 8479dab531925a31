package io.dualcred.rotation;

import java.util.Objects;

/**
 * A username and password pair.
 *
 * <p>Two credentials are equal when both the username and the password are equal. {@link #toString()} never shows
 * the password, so a credential can be logged or put in an exception message safely; {@link #password()} is the only
 * way to read it and should be called only by the code that sends it to the server.
 */
public final class Credential {

    private final String username;
    private final String password;

    private Credential(String username, String password) {
        this.username = username;
        this.password = password;
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
        return new Credential(username, password);
    }

    /** @return the login name */
    public String username() {
        return username;
    }

    /** @return the secret; hand it only to the driver that authenticates with it */
    public String password() {
        return password;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Credential that
                && username.equals(that.username)
                && password.equals(that.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, password);
    }

    /** @return the username followed by a mask in place of the password */
    @Override
    public String toString() {
        return "Credential[username=" + username + ", password=****]";
    }
}
