package io.dualcred.integration.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code redis runbook} block read the way an operator uses it: one {@code redis-cli} command per line, where
 * each {@code ${name}} is replaced by the value with a backslash before every {@code \} and {@code "}, and the line
 * is then split into arguments by redis-cli's own rules ({@code sdssplitargs}). The test sends those arguments to
 * the server, so a quoting mistake in the runbook shows up as a wrong password, not as a passing test.
 */
final class RedisScript {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");

    private final List<String> lines = new ArrayList<>();
    private final List<String> placeholders = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private RedisScript(String body) {
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            lines.add(line);
            if (line.strip().startsWith("#")) {
                problems.add("redis-cli has no comments; it would send '" + line.strip() + "' as a command");
            }
            if (line.contains(":'") || line.contains(":\"")) {
                problems.add("psql variables (:'name') do not work in redis-cli: " + line);
            }
            try {
                split(line, placeholders, problems);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + ": " + line);
            }
        }
        if (lines.isEmpty()) {
            problems.add("the block holds no command");
        }
    }

    static RedisScript parse(String body) {
        return new RedisScript(body);
    }

    List<String> problems() {
        return problems;
    }

    /** @return the placeholder names used, in order, repeated as often as they occur */
    List<String> placeholders() {
        return placeholders;
    }

    /**
     * @param values the placeholder values
     * @return one argument list per command line, as redis-cli would send it
     * @throws IllegalStateException when the block is malformed or a placeholder has no value
     */
    List<List<String>> render(Map<String, String> values) {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("malformed Redis block: " + problems);
        }
        List<List<String>> commands = new ArrayList<>();
        for (String line : lines) {
            Matcher placeholder = PLACEHOLDER.matcher(line);
            StringBuilder typed = new StringBuilder();
            while (placeholder.find()) {
                String value = values.get(placeholder.group(1));
                if (value == null) {
                    throw new IllegalStateException("placeholder '" + placeholder.group(1) + "' has no value");
                }
                placeholder.appendReplacement(typed, Matcher.quoteReplacement(escape(value)));
            }
            placeholder.appendTail(typed);
            commands.add(split(typed.toString(), new ArrayList<>(), new ArrayList<>()));
        }
        return commands;
    }

    /** What the runbook tells the operator to type for a value inside double quotes. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Splits a typed line into arguments as redis-cli does. */
    static List<String> split(String line) {
        return split(line, new ArrayList<>(), new ArrayList<>());
    }

    /**
     * redis-cli's argument splitting: blanks separate arguments; in double quotes {@code \"}, {@code \\},
     * {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \a} and {@code \xHH} are escapes and any other
     * {@code \c} is {@code c}; in single quotes only {@code \'} is; a closing quote must be followed by a blank or
     * the end of the line. While splitting, every {@code ${name}} is recorded, and one outside double quotes (where
     * the escaping rule would not protect the value) is a problem.
     */
    private static List<String> split(String line, List<String> placeholders, List<String> problems) {
        List<String> arguments = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && isBlank(line.charAt(i))) {
                i++;
            }
            if (i == n) {
                return arguments;
            }
            StringBuilder argument = new StringBuilder();
            char quote = 0;
            boolean done = false;
            while (!done) {
                if (i == n) {
                    if (quote != 0) {
                        throw new IllegalArgumentException("unbalanced quotes");
                    }
                    break;
                }
                char c = line.charAt(i);
                char next = i + 1 < n ? line.charAt(i + 1) : 0;
                if (c == '$' && next == '{') {
                    Matcher placeholder = PLACEHOLDER.matcher(line).region(i, n);
                    if (!placeholder.lookingAt()) {
                        problems.add("malformed placeholder at column " + (i + 1) + " (expected ${lower_case})");
                    } else {
                        placeholders.add(placeholder.group(1));
                        if (quote != '"') {
                            problems.add("${" + placeholder.group(1) + "} must sit inside double quotes");
                        }
                    }
                }
                if (quote == 0 && isBlank(c)) {
                    done = true;
                } else if (quote == 0 && (c == '"' || c == '\'')) {
                    quote = c;
                    i++;
                } else if (quote == '"' && c == '\\' && next == 'x' && i + 3 < n && isHex(line.charAt(i + 2))
                        && isHex(line.charAt(i + 3))) {
                    int value = Integer.parseInt(line.substring(i + 2, i + 4), 16);
                    if (value > 0x7f) {
                        throw new IllegalArgumentException("\\x escapes above 7f are raw bytes; not supported");
                    }
                    argument.append((char) value);
                    i += 4;
                } else if (quote == '"' && c == '\\' && i + 1 < n) {
                    argument.append(unescape(next));
                    i += 2;
                } else if (quote == '\'' && c == '\\' && next == '\'') {
                    argument.append('\'');
                    i += 2;
                } else if (quote != 0 && c == quote) {
                    if (i + 1 < n && !isBlank(next)) {
                        throw new IllegalArgumentException("a closing quote must be followed by a blank");
                    }
                    done = true;
                    i++;
                } else {
                    argument.append(c);
                    i++;
                }
            }
            arguments.add(argument.toString());
        }
    }

    private static char unescape(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'a' -> (char) 7;
            default -> c;
        };
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
