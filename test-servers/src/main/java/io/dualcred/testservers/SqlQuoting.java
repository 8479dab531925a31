package io.dualcred.testservers;

/**
 * Quotes PostgreSQL identifiers and string literals so that any text (quotes, spaces, backslashes, {@code $},
 * {@code %}, {@code @}, {@code :}, non-ASCII) can be embedded in SQL that cannot take bind parameters, such as
 * {@code ALTER ROLE ... PASSWORD}.
 */
public final class SqlQuoting {

    private SqlQuoting() {
    }

    /**
     * A quoted identifier: {@code role"x} becomes {@code "role""x"}. Case and every character are kept.
     *
     * @param name the identifier, without NUL characters
     * @return the quoted identifier
     */
    public static String identifier(String name) {
        checkText(name, "identifier");
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * A string literal in escape-string syntax ({@code E'...'}), which means the same whatever
     * {@code standard_conforming_strings} is: {@code it's a\b} becomes {@code E'it''s a\\b'}.
     *
     * @param value the text, without NUL characters
     * @return the quoted literal
     */
    public static String literal(String value) {
        checkText(value, "literal");
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + '\'';
    }

    private static void checkText(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL characters");
        }
    }
}
