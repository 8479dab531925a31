package io.dualcred.integration.runbook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code docs/SECRET_ROTATION_PROCEDURE.md}, read as the test sees it: its fenced blocks, the executable ones
 * ({@code sql runbook <id>}, {@code redis runbook <id>}) in document order, and the placeholder table of its
 * conventions section. {@link #problems(Collection)} lists everything that would make a block unusable.
 */
final class Runbook {

    static final String FILE = "docs/SECRET_ROTATION_PROCEDURE.md";

    private static final Pattern FENCE = Pattern.compile("^```(.*)$");
    private static final Pattern BLOCK_ID = Pattern.compile("[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*");
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([a-z_]+)` \\| ([A-Za-z, ]+) \\|");
    private static final String PLACEHOLDER_TABLE_HEADER = "| Placeholder | Used in | Meaning |";

    /** The languages of executable blocks. */
    enum Language {
        SQL("sql"), REDIS("redis"),
        /** PgBouncer's admin console, reached with psql: commands in SQL's syntax, without placeholders. */
        PGBOUNCER("pgbouncer");

        final String infoWord;

        Language(String infoWord) {
            this.infoWord = infoWord;
        }

        static Optional<Language> of(String infoWord) {
            for (Language language : values()) {
                if (language.infoWord.equals(infoWord)) {
                    return Optional.of(language);
                }
            }
            return Optional.empty();
        }
    }

    /** A fenced block: its info string, its text and the line its opening fence is on. */
    record Fence(String info, String body, int line) {
    }

    /** An executable block: {@code procedure/step}. */
    record Block(Language language, String id, String body, int line) {

        String procedure() {
            return id.substring(0, id.indexOf('/'));
        }

        @Override
        public String toString() {
            return language.infoWord + " block " + id + " (line " + line + ")";
        }
    }

    private final List<Fence> fences;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<String, Set<Language>> placeholders;
    private final List<String> structuralProblems = new ArrayList<>();

    private Runbook(String markdown) {
        this.fences = fences(markdown, structuralProblems);
        this.placeholders = placeholderTable(markdown);
        Set<String> ids = new LinkedHashSet<>();
        for (Fence fence : fences) {
            String[] words = fence.info().trim().split("\\s+");
            Optional<Language> language = Language.of(words[0]);
            boolean marked = words.length > 1 && words[1].equals("runbook");
            if (fence.info().isBlank()) {
                structuralProblems.add("line " + fence.line() + ": a fenced block without a language");
            } else if (language.isEmpty()) {
                if (marked) {
                    structuralProblems.add("line " + fence.line() + ": only sql, redis and pgbouncer blocks can be runbook "
                            + "blocks, not '" + words[0] + "'");
                }
            } else if (!marked || words.length != 3) {
                structuralProblems.add("line " + fence.line() + ": a " + words[0] + " block must be marked '"
                        + words[0] + " runbook <procedure>/<step>', was '" + fence.info().trim() + "'");
            } else if (!BLOCK_ID.matcher(words[2]).matches()) {
                structuralProblems.add("line " + fence.line() + ": block id '" + words[2]
                        + "' is not of the form procedure/step (lower case, digits, hyphens)");
            } else if (!ids.add(words[2])) {
                structuralProblems.add("line " + fence.line() + ": block id '" + words[2] + "' is used twice");
            } else {
                blocks.add(new Block(language.get(), words[2], fence.body(), fence.line()));
            }
        }
        if (placeholders.isEmpty()) {
            structuralProblems.add("no placeholder table (a table headed '" + PLACEHOLDER_TABLE_HEADER + "')");
        }
    }

    static Runbook parse(String markdown) {
        return new Runbook(markdown);
    }

    /** Reads the runbook from the project directory, found from the working directory upwards. */
    static Runbook load() {
        try {
            return parse(Files.readString(locate(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path locate() {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            Path candidate = directory.resolve(FILE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(FILE + " not found from " + Path.of("").toAbsolutePath() + " upwards");
    }

    List<Fence> fences() {
        return fences;
    }

    /** @return the executable blocks in document order */
    List<Block> blocks() {
        return blocks;
    }

    /** @return the placeholder names of the conventions table and the languages each may be used in */
    Map<String, Set<Language>> placeholders() {
        return placeholders;
    }

    Block block(String id) {
        return blocks.stream().filter(block -> block.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the runbook has no block " + id));
    }

    /** @return the blocks of one procedure, in document order */
    List<Block> procedure(String name) {
        return blocks.stream().filter(block -> block.procedure().equals(name)).toList();
    }

    /**
     * Everything that would make the runbook unusable: fences without a language, malformed or duplicate ids,
     * blocks of a procedure no test runs, placeholders that the table does not define (or defines for the other
     * language), placeholders the quoting convention does not protect, table entries no block uses.
     *
     * @param knownProcedures the procedures the integration test runs
     * @return the problems, each naming its line; empty when the runbook is sound
     */
    List<String> problems(Collection<String> knownProcedures) {
        List<String> problems = new ArrayList<>(structuralProblems);
        Map<String, Integer> uses = new HashMap<>();
        for (Block block : blocks) {
            if (!knownProcedures.contains(block.procedure())) {
                problems.add(block + ": procedure '" + block.procedure() + "' is not run by the integration test");
            }
            List<String> names;
            List<String> blockProblems = new ArrayList<>();
            if (block.language() == Language.SQL || block.language() == Language.PGBOUNCER) {
                PsqlScript script = PsqlScript.parse(block.body());
                blockProblems.addAll(script.problems());
                names = script.variables();
            } else {
                RedisScript script = RedisScript.parse(block.body());
                blockProblems.addAll(script.problems());
                names = script.placeholders();
            }
            blockProblems.forEach(problem -> problems.add(block + ": " + problem));
            for (String name : names) {
                uses.merge(name, 1, Integer::sum);
                Set<Language> allowed = placeholders.get(name);
                if (allowed == null) {
                    problems.add(block + ": placeholder '" + name + "' is not defined in the placeholder table");
                } else if (!allowed.contains(block.language())) {
                    problems.add(block + ": placeholder '" + name + "' is not defined for "
                            + block.language().infoWord);
                }
            }
        }
        placeholders.keySet().stream().filter(name -> !uses.containsKey(name))
                .forEach(name -> problems.add("placeholder '" + name + "' is defined but no block uses it"));
        return problems;
    }

    private static List<Fence> fences(String markdown, List<String> problems) {
        List<Fence> fences = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher open = FENCE.matcher(lines[i]);
            if (!open.matches()) {
                continue;
            }
            int start = i;
            StringBuilder body = new StringBuilder();
            i++;
            while (i < lines.length && !lines[i].equals("```")) {
                body.append(lines[i]).append('\n');
                i++;
            }
            if (i == lines.length) {
                problems.add("line " + (start + 1) + ": fenced block is never closed");
            }
            fences.add(new Fence(open.group(1), body.toString(), start + 1));
        }
        return fences;
    }

    private static Map<String, Set<Language>> placeholderTable(String markdown) {
        Map<String, Set<Language>> table = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith(PLACEHOLDER_TABLE_HEADER)) {
                inTable = true;
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            Matcher row = TABLE_ROW.matcher(line);
            if (inTable && row.find()) {
                Set<Language> languages = EnumSet.noneOf(Language.class);
                for (String word : row.group(2).split(",")) {
                    Language.of(word.trim().toLowerCase(Locale.ROOT)).ifPresent(languages::add);
                }
                table.put(row.group(1), languages);
            }
        }
        return table;
    }
}
