package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlQuotingTest {

    @Test
    void identifiersDoubleTheirQuotes() {
        assertThat(SqlQuoting.identifier("app")).isEqualTo("\"app\"");
        assertThat(SqlQuoting.identifier("a\"b c")).isEqualTo("\"a\"\"b c\"");
    }

    @Test
    void literalsEscapeQuotesAndBackslashes() {
        assertThat(SqlQuoting.literal("plain")).isEqualTo("E'plain'");
        assertThat(SqlQuoting.literal("it's a\\b")).isEqualTo("E'it''s a\\\\b'");
    }

    @Test
    void nulIsRefused() {
        assertThatThrownBy(() -> SqlQuoting.literal("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqlQuoting.identifier("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotedTextRoundTripsThroughTheServer() {
        PostgresServer server = PostgresServer.shared();
        for (String text : Names.AWKWARD_PASSWORDS) {
            String sql = "SELECT " + SqlQuoting.literal(text) + " AS " + SqlQuoting.identifier(text);
            assertThat(server.query(sql)).containsExactly(java.util.Map.of(text, text));
        }
    }
}
