package io.dualcred.rotation;

/**
 * A credential source could not be created or read: a missing variable or file, a malformed value, an unreadable
 * directory. The message names the source and the field; it never contains a secret.
 */
public class CredentialSourceException extends RuntimeException {

    /**
     * @param message what is wrong, naming the field
     */
    public CredentialSourceException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the field
     * @param cause the underlying failure
     */
    public CredentialSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
