package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The drill checks the switch with the runbook's own fleet check (section 9.1), not with a look-alike. */
class FleetCheckMatchesTheRunbookTest {

    private static final Path RUNBOOK = Path.of("..", "docs", "SECRET_ROTATION_PROCEDURE.md");

    @Test
    void postgresQueryIsTheRunbooksQuery() throws IOException {
        assertThat(PostgresTarget.FLEET_QUERY.strip())
                .isEqualTo(block("sql runbook fleet-verify-pg/sessions-by-version"));
    }

    @Test
    void redisCommandIsTheRunbooksCommand() throws IOException {
        assertThat(RedisTarget.FLEET_COMMAND).isEqualTo(block("redis runbook fleet-verify-redis/clients-by-version"));
    }

    @Test
    void readsTheVersionFromAClientNameAsTheRunbookDoes() {
        assertThat(RedisTarget.tagVersion("drill-redis-dualcred[dualcred:v1]")).isEqualTo("v1");
        assertThat(RedisTarget.tagVersion("[dualcred:unversioned]")).isEqualTo("unversioned");
        assertThat(RedisTarget.tagVersion("drill-redis-fixed")).isEqualTo("untagged");
        assertThat(RedisTarget.tagVersion("")).isEqualTo("untagged");
    }

    /** @return the code block the runbook opens with {@code ```<info>}, without its fences */
    private static String block(String info) throws IOException {
        String text = Files.readString(RUNBOOK);
        int start = text.indexOf("```" + info + "\n");
        assertThat(start).as("the runbook's block " + info).isNotNegative();
        int body = start + info.length() + 4;
        return text.substring(body, text.indexOf("```", body)).strip();
    }
}
