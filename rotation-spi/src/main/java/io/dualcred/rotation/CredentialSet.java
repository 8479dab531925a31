package io.dualcred.rotation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a {@link CredentialSource} holds at one moment: the {@link Slot#CURRENT} credential and, during a rotation,
 * the {@link Slot#NEXT} one.
 *
 * <p>The {@link #revision()} is a short opaque label that changes whenever the content changes and is equal for
 * equal content within one JVM. It is a keyed hash under a random key made when the JVM starts and never leaves
 * it, so the label can be logged and shown over JMX without revealing anything about the passwords.
 */
public final class CredentialSet {

    private static final byte[] REVISION_KEY = new SecureRandom().generateSeed(32);

    private final Credential current;
    private final Credential next;
    private final String revision;

    private CredentialSet(Credential current, Credential next) {
        this.current = Objects.requireNonNull(current, "current");
        this.next = next == null || next.equals(current) ? null : next;
        this.revision = fingerprint(this.current, this.next);
    }

    /**
     * A set with only a CURRENT credential.
     *
     * @param current the credential in use
     * @return the set
     */
    public static CredentialSet of(Credential current) {
        return new CredentialSet(current, null);
    }

    /**
     * A set with CURRENT and, when {@code next} is non-null and differs from {@code current}, NEXT.
     *
     * @param current the credential in use
     * @param next the credential being rolled out, or {@code null}
     * @return the set
     */
    public static CredentialSet of(Credential current, Credential next) {
        return new CredentialSet(current, next);
    }

    /** @return the CURRENT credential */
    public Credential current() {
        return current;
    }

    /** @return the NEXT credential, if one is staged */
    public Optional<Credential> next() {
        return Optional.ofNullable(next);
    }

    /**
     * @param slot a slot
     * @return the credential in that slot, if any
     */
    public Optional<Credential> get(Slot slot) {
        return slot == Slot.CURRENT ? Optional.of(current) : next();
    }

    /**
     * @param credential a credential
     * @return the slot holding an equal credential, CURRENT first, if any
     */
    public Optional<Slot> slotOf(Credential credential) {
        if (current.equals(credential)) {
            return Optional.of(Slot.CURRENT);
        }
        return credential.equals(next) ? Optional.of(Slot.NEXT) : Optional.empty();
    }

    /** @return an opaque label that changes whenever the content changes; safe to log */
    public String revision() {
        return revision;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CredentialSet that
                && current.equals(that.current)
                && Objects.equals(next, that.next);
    }

    @Override
    public int hashCode() {
        return Objects.hash(current, next);
    }

    /** @return the usernames per slot and the revision; never a password */
    @Override
    public String toString() {
        return "CredentialSet[current=" + current.username()
                + (next == null ? "" : ", next=" + next.username())
                + ", revision=" + revision + "]";
    }

    private static String fingerprint(Credential current, Credential next) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(REVISION_KEY, "HmacSHA256"));
            update(mac, current);
            if (next != null) {
                update(mac, next);
            }
            byte[] digest = mac.doFinal();
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private static void update(Mac mac, Credential credential) {
        update(mac, credential.username());
        update(mac, credential.password());
        update(mac, credential.version().orElse(""));
    }

    // Length-prefixed so that ("ab", "c") and ("a", "bc") never hash alike.
    private static void update(Mac mac, String field) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        mac.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
    }
}
