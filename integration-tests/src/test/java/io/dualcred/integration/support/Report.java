package io.dualcred.integration.support;

/**
 * Prints the numbers a scenario measured (waits, rejected logins, rotations) on one line, so that a CI log shows
 * them next to the verdict.
 */
public final class Report {

    private Report() {
    }

    /**
     * @param format a {@link String#format} pattern
     * @param arguments its arguments; never a password
     */
    public static void line(String format, Object... arguments) {
        System.out.println("[dualcred-it] " + String.format(format, arguments));
    }
}
