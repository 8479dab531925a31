package io.dualcred.integration.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code sql runbook} block read the way psql reads it: {@code :'name'} becomes the variable's value as a string
 * literal, {@code :"name"} as a quoted identifier, and a final {@code \gset} stores the columns of the query's single
 * row in variables. Nothing is substituted inside string literals, quoted identifiers, dollar quotes or comments,
 * exactly as in psql, so a placeholder written there is reported as a problem instead of being silently left alone.
 *
 * <p>The rendering quotes values as libpq's {@code PQescapeLiteral} and {@code PQescapeIdentifier} do (which psql
 * uses): quotes are doubled, and a literal containing a backslash becomes {@code E'...'} with backslashes doubled.
 */
final class PsqlScript {

    private static final String GSET = "\\gset";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)?\\$");
    /** What a placeholder looks like where psql would not substitute it. */
    private static final Pattern PLACEHOLDER_LOOKALIKE = Pattern.compile(":['\"]?[A-Za-z_]|\\$\\{");

    private sealed interface Segment permits Text, Variable {
    }

    private record Text(String text) implements Segment {
    }

    private record Variable(String name, boolean identifier) implements Segment {
    }

    private final List<Segment> segments = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final boolean gset;

    private PsqlScript(String body) {
        String script = body.strip();
        this.gset = script.endsWith(GSET);
        if (gset) {
            script = script.substring(0, script.length() - GSET.length()).stripTrailing();
        } else if (!script.endsWith(";")) {
            problems.add("the last statement must end with ';' or '\\gset'");
        }
        if (script.isEmpty()) {
            problems.add("the block holds no SQL");
        }
        scan(script);
    }

    static PsqlScript parse(String body) {
        return new PsqlScript(body);
    }

    List<String> problems() {
        return problems;
    }

    /** @return the names of the variables referenced, in order of appearance, repeated as often as they occur */
    List<String> variables() {
        return segments.stream().filter(Variable.class::isInstance).map(s -> ((Variable) s).name()).toList();
    }

    /** @return whether the block ends with {@code \gset} */
    boolean gset() {
        return gset;
    }

    /**
     * @param values the psql variables
     * @return the SQL psql would send (without the {@code \gset})
     * @throws IllegalStateException when the block is malformed or uses a variable that is not set
     */
    String render(Map<String, String> values) {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("malformed SQL block: " + problems);
        }
        StringBuilder sql = new StringBuilder();
        for (Segment segment : segments) {
            if (segment instanceof Text text) {
                sql.append(text.text());
            } else {
                Variable variable = (Variable) segment;
                String value = values.get(variable.name());
                if (value == null) {
                    throw new IllegalStateException("psql variable '" + variable.name() + "' is not set");
                }
                sql.append(variable.identifier() ? identifier(value) : literal(value));
            }
        }
        return sql.toString();
    }

    /** The value as psql's {@code :'name'} writes it. */
    static String literal(String value) {
        checkNoNul(value);
        StringBuilder quoted = new StringBuilder();
        if (value.indexOf('\\') >= 0) {
            quoted.append(" E");
        }
        quoted.append('\'');
        for (char c : value.toCharArray()) {
            if (c == '\'' || c == '\\') {
                quoted.append(c);
            }
            quoted.append(c);
        }
        return quoted.append('\'').toString();
    }

    /** The value as psql's {@code :"name"} writes it. */
    static String identifier(String value) {
        checkNoNul(value);
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static void checkNoNul(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a psql variable cannot hold a NUL character");
        }
    }

    private void scan(String sql) {
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            char next = i + 1 < sql.length() ? sql.charAt(i + 1) : '\0';
            int end;
            if (c == '-' && next == '-') {
                end = sql.indexOf('\n', i);
                end = end < 0 ? sql.length() : end;
                opaque(sql.substring(i, end), "a comment", text);
            } else if (c == '/' && next == '*') {
                end = sql.indexOf("*/", i + 2);
                end = end < 0 ? unterminated("comment", sql) : end + 2;
                opaque(sql.substring(i, end), "a comment", text);
            } else if (c == '\'') {
                end = endOfQuoted(sql, i, '\'', isEscapeString(sql, i));
                opaque(sql.substring(i, end), "a string literal", text);
            } else if (c == '"') {
                end = endOfQuoted(sql, i, '"', false);
                opaque(sql.substring(i, end), "a quoted identifier", text);
            } else if (c == '$' && next == '{') {
                problems.add("SQL blocks use psql variables (:'name' or :\"name\"), not ${...}");
                end = i + 2;
                text.append("${");
            } else if (c == '$' && DOLLAR_TAG.matcher(sql).region(i, sql.length()).lookingAt()) {
                Matcher tag = DOLLAR_TAG.matcher(sql).region(i, sql.length());
                tag.lookingAt();
                int close = sql.indexOf(tag.group(), tag.end());
                end = close < 0 ? unterminated("dollar quote", sql) : close + tag.group().length();
                opaque(sql.substring(i, end), "a dollar-quoted string", text);
            } else if (c == ':' && next == ':') {
                end = i + 2;
                text.append("::");
            } else if (c == ':' && (next == '\'' || next == '"')) {
                end = variable(sql, i, next, text);
            } else if (c == ':' && (Character.isLetter(next) || next == '_')) {
                problems.add("':" + NAME.matcher(sql).region(i + 1, sql.length()).results().findFirst()
                        .map(m -> m.group()).orElse("") + "' would insert the raw value; write :'name' for a "
                        + "literal or :\"name\" for an identifier");
                end = i + 1;
                text.append(c);
            } else if (c == '\\') {
                problems.add("psql meta-command at offset " + i + ": only a final \\gset is supported");
                end = i + 1;
                text.append(c);
            } else {
                end = i + 1;
                text.append(c);
            }
            i = end;
        }
        if (text.length() > 0) {
            segments.add(new Text(text.toString()));
        }
    }

    /** Parses {@code :'name'} or {@code :"name"} at {@code start}; returns the index after it. */
    private int variable(String sql, int start, char quote, StringBuilder text) {
        Matcher name = NAME.matcher(sql).region(start + 2, sql.length());
        if (!name.lookingAt() || name.end() >= sql.length() || sql.charAt(name.end()) != quote) {
            problems.add("malformed variable reference at offset " + start + ": expected :" + quote + "name"
                    + quote);
            text.append(':');
            return start + 1;
        }
        if (text.length() > 0) {
            segments.add(new Text(text.toString()));
            text.setLength(0);
        }
        segments.add(new Variable(name.group(), quote == '"'));
        return name.end() + 1;
    }

    /** Text psql passes through unchanged; a placeholder inside it would never be substituted. */
    private void opaque(String part, String what, StringBuilder text) {
        if (PLACEHOLDER_LOOKALIKE.matcher(part).find()) {
            problems.add("a placeholder inside " + what + " is not substituted by psql: " + part);
        }
        text.append(part);
    }

    private static boolean isEscapeString(String sql, int quote) {
        if (quote == 0 || Character.toUpperCase(sql.charAt(quote - 1)) != 'E') {
            return false;
        }
        return quote == 1 || !Character.isLetterOrDigit(sql.charAt(quote - 2)) && sql.charAt(quote - 2) != '_';
    }

    private int endOfQuoted(String sql, int open, char quote, boolean backslashEscapes) {
        int i = open + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote && i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                i += 2;
            } else if (c == quote) {
                return i + 1;
            } else {
                i++;
            }
        }
        return unterminated(quote == '\'' ? "string literal" : "quoted identifier", sql);
    }

    private int unterminated(String what, String sql) {
        problems.add("unterminated " + what);
        return sql.length();
    }
}
