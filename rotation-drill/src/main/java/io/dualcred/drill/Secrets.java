package io.dualcred.drill;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Passwords and names for the drill's throw-away users. Passwords never leave the drill except to the server. */
final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private Secrets() {
    }

    /** @return a random password of 32 letters and digits */
    static String password() {
        StringBuilder password = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return password.toString();
    }

    /** @return a short random suffix that keeps the users of concurrent drills apart */
    static String suffix() {
        byte[] bytes = new byte[3];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
