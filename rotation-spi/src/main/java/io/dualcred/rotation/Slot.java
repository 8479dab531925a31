package io.dualcred.rotation;

/**
 * The two places a {@link CredentialSet} can hold a credential.
 *
 * <p>Operators stage a new password as {@link #NEXT}, change it on the server, and later promote it to
 * {@link #CURRENT}. Logs, events and status name credentials by slot and username only.
 */
public enum Slot {
    /** The credential in use today; tried first by every new connection. */
    CURRENT,
    /** The credential being rolled out; tried when the server rejects the active one. */
    NEXT
}
