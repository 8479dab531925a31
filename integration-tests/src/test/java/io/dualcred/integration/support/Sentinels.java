package io.dualcred.integration.support;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passwords and user names for the scenarios. Every password is a sentinel: it starts with {@link #START} and ends
 * with {@link #END}, two strings that occur nowhere else, so that the redaction check finds a password (or a part
 * of one that kept either end) wherever it leaked, however it was quoted or escaped. User names never contain
 * either marker: they may legitimately appear in logs and messages.
 */
public final class Sentinels {

    /** The first characters of every password. */
    public static final String START = "sntnl";
    /** The last characters of every password. */
    public static final String END = "lntns";

    /**
     * Characters that break naive quoting in SQL, Redis commands, URIs, format strings and shells, plus non-ASCII
     * text (Latin-1, CJK, and a character outside the Basic Multilingual Plane).
     */
    public static final String AWKWARD = "'q\" \\ $1 %s @h:p é日本🔑";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicInteger USERS = new AtomicInteger();

    private Sentinels() {
    }

    /**
     * @param label says what the password is for, e.g. {@code current}; ends up inside the password
     * @return a new random sentinel password
     */
    public static String password(String label) {
        return START + "-" + label + "-" + hex(6) + "-" + END;
    }

    /** @return a new random sentinel password that contains every {@link #AWKWARD} character */
    public static String awkwardPassword() {
        return START + AWKWARD + hex(4) + END;
    }

    /**
     * @param prefix says what the user is for; lower-case letters, so that it needs no quoting anywhere
     * @return a user name no other scenario in this JVM uses, e.g. {@code soak_12_3fa9}
     */
    public static String user(String prefix) {
        return prefix + "_" + USERS.incrementAndGet() + "_" + hex(2);
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
