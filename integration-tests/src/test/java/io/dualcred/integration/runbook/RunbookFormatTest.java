package io.dualcred.integration.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.rotation.RotationMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/SECRET_ROTATION_PROCEDURE.md} executable: every command block is identified, belongs to a
 * procedure {@link SecretRotationProcedureTest} runs, uses only placeholders the document defines, and places them
 * where the document's quoting rules protect any value. Also proves that those rules are the ones psql and
 * redis-cli apply, and that this check catches what it claims to catch.
 */
class RunbookFormatTest {

    private static final Runbook RUNBOOK = Runbook.load();
    /**
     * Every procedure some test runs: most by {@link SecretRotationProcedureTest}, section 4.1's by
     * {@link StandbysAndFailoverTest}, sections 6.1 and 6.2's by {@link TopologyProcedureTest}, section 10's by
     * {@link PgBouncerRotationProcedureTest}.
     */
    private static final List<String> PROCEDURES = java.util.stream.Stream.of(SecretRotationProcedureTest.PROCEDURES,
            StandbysAndFailoverTest.PROCEDURES, TopologyProcedureTest.PROCEDURES,
            PgBouncerRotationProcedureTest.PROCEDURES)
            .flatMap(List::stream).toList();

    @Test
    void everyCommandBlockIsWellFormedAndRunByTheIntegrationTest() {
        assertThat(RUNBOOK.problems(PROCEDURES)).isEmpty();
        assertThat(RUNBOOK.blocks()).extracting(Runbook.Block::procedure).containsOnlyElementsOf(PROCEDURES);
        assertThat(RUNBOOK.blocks().stream().map(Runbook.Block::procedure).distinct())
                .as("every procedure the tests run has blocks")
                .containsExactlyInAnyOrderElementsOf(PROCEDURES);
    }

    @Test
    void everySqlRedisAndPgBouncerBlockIsARunbookBlock() {
        List<String> unmarked = RUNBOOK.fences().stream()
                .filter(fence -> fence.info().startsWith("sql") || fence.info().startsWith("redis")
                        || fence.info().startsWith("pgbouncer"))
                .filter(fence -> !fence.info().contains("runbook"))
                .map(fence -> "line " + fence.line() + ": " + fence.info())
                .toList();
        assertThat(unmarked).isEmpty();
    }

    @Test
    void theJmxAttributesAndOperationsTheRunbookNamesExist() {
        Set<String> attributes = Arrays.stream(RotationMXBean.class.getMethods())
                .map(Method::getName)
                .filter(name -> name.startsWith("get") || name.startsWith("is"))
                .map(name -> name.substring(name.startsWith("get") ? 3 : 2))
                .collect(Collectors.toSet());
        Set<String> operations = Arrays.stream(RotationMXBean.class.getMethods())
                .filter(method -> method.getParameterCount() == 0 && method.getReturnType() == void.class)
                .map(Method::getName)
                .collect(Collectors.toSet());
        String markdown = markdown();
        String table = markdown.substring(markdown.indexOf("| Attribute | Meaning |"));
        table = table.substring(0, table.indexOf("\n\n"));
        List<String> named = new ArrayList<>();
        for (String row : table.split("\n")) {
            String firstCell = row.split("\\|")[1];
            Matcher name = Pattern.compile("`([A-Za-z]+)`").matcher(firstCell);
            while (name.find()) {
                named.add(name.group(1));
            }
        }
        assertThat(named).isNotEmpty().allSatisfy(name -> assertThat(attributes).contains(name));
        assertThat(attributes).as("every attribute is documented").allSatisfy(attribute ->
                assertThat(named).as(attribute).contains(attribute));
        assertThat(operations).containsExactlyInAnyOrder("refresh", "evictConnections");
        assertThat(markdown).contains("`refresh`", "`evictConnections`",
                "io.dualcred:type=Rotation,name=\"<pool name>\"");
    }

    // ---- the quoting conventions ---------------------------------------------------------------------------------

    @Test
    void psqlVariablesAreQuotedAsPsqlQuotesThem() {
        PsqlScript script = PsqlScript.parse("ALTER ROLE :\"role\" PASSWORD :'password';");
        String sql = script.render(Map.of("role", "Ap\"p ☃", "password", SecretRotationProcedureTest.NASTY));

        assertThat(sql).isEqualTo("ALTER ROLE \"Ap\"\"p ☃\" PASSWORD  E'it''s a \"p@ss\" \\\\ $x %y :z ☃';");
        assertThat(PsqlScript.literal("plain 'q'")).isEqualTo("'plain ''q'''");
    }

    @Test
    void nothingIsSubstitutedWherePsqlWouldNotSubstitute() {
        PsqlScript script = PsqlScript.parse("SELECT ':kept', \":kept\", $$:'kept'$$, x::text -- :kept\n"
                + "FROM t WHERE y = :'value';");

        assertThat(script.problems()).hasSize(4);
        assertThat(script.variables()).containsExactly("value");
    }

    @Test
    void redisArgumentsSurviveRedisCliQuoting() {
        String password = SecretRotationProcedureTest.NASTY + " 'single' \\\\ \"\"";
        RedisScript script = RedisScript.parse("ACL SETUSER \"${user}\" \">${password}\" on\n");

        assertThat(script.problems()).isEmpty();
        assertThat(script.render(Map.of("user", "orders:app@☃", "password", password)))
                .containsExactly(List.of("ACL", "SETUSER", "orders:app@☃", ">" + password, "on"));
        assertThat(RedisScript.split("SET k 'it\\'s' \"\\x41\\n\""))
                .containsExactly("SET", "k", "it's", "A\n");
    }

    @Test
    void theRedisCliExampleOfTheConventionsSectionIsRight() {
        Runbook.Fence example = RUNBOOK.fences().stream()
                .filter(fence -> fence.info().equals("text") && fence.body().startsWith("ACL SETUSER app "))
                .findFirst().orElseThrow();

        assertThat(RedisScript.split(example.body().strip()))
                .containsExactly("ACL", "SETUSER", "app", ">it's a \"p@ss\" \\ $x");
        assertThat(markdown()).contains("Example for the password `it's a \"p@ss\" \\ $x`:");
    }

    // ---- the validator catches what it claims to --------------------------------------------------------------

    @Test
    void aMalformedRunbookIsReported() {
        String markdown = String.join("\n",
                "| Placeholder | Used in | Meaning |",
                "|---|---|---|",
                "| `role` | SQL | a role |",
                "| `password` | SQL, Redis | a password |",
                "| `unused` | Redis | nothing uses it |",
                "",
                "```sql runbook demo/unknown-placeholder",
                "ALTER ROLE :\"role\" PASSWORD :'pasword';",
                "```",
                "```sql runbook demo/shell-style-placeholder",
                "ALTER ROLE :\"role\" PASSWORD ${password};",
                "```",
                "```sql runbook demo/placeholder-in-literal",
                "ALTER ROLE :\"role\" PASSWORD ':password';",
                "```",
                "```sql runbook demo/raw-interpolation",
                "ALTER ROLE :role PASSWORD :'password';",
                "```",
                "```sql runbook demo/meta-command",
                "\\password role",
                "```",
                "```sql runbook demo/no-terminator",
                "SELECT 1",
                "```",
                "```redis runbook demo/unquoted-placeholder",
                "CONFIG SET requirepass ${password}",
                "```",
                "```redis runbook demo/unbalanced",
                "CONFIG SET requirepass \"${password}",
                "```",
                "```redis runbook demo/sql-only-placeholder",
                "ACL SETUSER \"${role}\" on",
                "```",
                "```redis runbook demo/unbalanced",
                "PING",
                "```",
                "```sql runbook Demo/Bad_Id",
                "SELECT 1;",
                "```",
                "```redis",
                "PING",
                "```",
                "```",
                "no language",
                "```",
                "```sql runbook other/unknown-procedure",
                "SELECT 1;",
                "```",
                "");

        List<String> problems = Runbook.parse(markdown).problems(List.of("demo"));

        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/unknown-placeholder")
                .contains("'pasword' is not defined"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/shell-style-placeholder")
                .contains("not ${...}"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/placeholder-in-literal")
                .contains("inside a string literal is not substituted"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/raw-interpolation")
                .contains("would insert the raw value"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/meta-command")
                .contains("only a final \\gset"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/no-terminator")
                .contains("must end with ';'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/unquoted-placeholder")
                .contains("must sit inside double quotes"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/unbalanced")
                .contains("unbalanced quotes"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("demo/sql-only-placeholder")
                .contains("'role' is not defined for redis"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'demo/unbalanced' is used twice"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'Demo/Bad_Id' is not of the form"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("must be marked 'redis runbook"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("without a language"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("other/unknown-procedure")
                .contains("not run by the integration test"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'unused' is defined but no block uses it"));
    }

    private static String markdown() {
        try {
            return Files.readString(Runbook.locate(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
