package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.postgres.internal.PostgresAuthFailureClassifier;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which failures make the pool try another credential: 28P01 and 28000 anywhere in the chain, nothing else. */
@PoolIndependent
class PostgresAuthFailureClassifierTest {

    private final PostgresAuthFailureClassifier classifier = new PostgresAuthFailureClassifier();

    @ParameterizedTest
    @ValueSource(strings = {"28P01", "28000"})
    void authenticationStatesAreAuthenticationFailures(String state) {
        SQLException failure = new SQLException("FATAL", state);

        assertThat(classifier.isAuthenticationFailure(failure)).isTrue();
        assertThat(classifier.code(failure)).isEqualTo(state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"08001", "08006", "57P01", "57P03", "25006", "53300", "3D000", "42501", "28"})
    void otherStatesAreNotAuthenticationFailures(String state) {
        assertThat(classifier.isAuthenticationFailure(new SQLException("FATAL", state))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"FATAL: SASL authentication failed", "FATAL: password authentication failed",
        "FATAL: bouncer config error"})
    void pgBouncersRefusalsOfTheCredentialAreAuthenticationFailures(String reply) {
        SQLException failure = new SQLException(reply, "08P01");

        assertThat(classifier.isAuthenticationFailure(new RuntimeException(failure))).isTrue();
        assertThat(classifier.code(failure)).isEqualTo("08P01");
        assertThat(classifier.reply(failure)).isEqualTo(reply);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FATAL: query_wait_timeout", "FATAL: no more connections allowed (max_client_conn)",
        "FATAL: server login has been failing, try again later (server_login_retry)",
        "FATAL: password authentication failed for user \"app\"", "ERROR: protocol violation",
        "FATAL: SASL authentication failed, said nobody"})
    void pgBouncersOtherRepliesAreNotAuthenticationFailures(String reply) {
        assertThat(classifier.isAuthenticationFailure(new SQLException(reply, "08P01"))).isFalse();
        assertThat(classifier.isAuthenticationFailure(new SQLException("FATAL: SASL authentication failed", "08006")))
                .as("only under PgBouncer's SQLState").isFalse();
    }

    @Test
    void findsTheStateInTheCauseAndNextExceptionChains() {
        SQLException rejected = new SQLException("FATAL", "28P01");
        SQLException wrapper = new SQLException("pool", "08001");
        wrapper.setNextException(rejected);

        assertThat(classifier.isAuthenticationFailure(new RuntimeException(new IllegalStateException(rejected))))
                .isTrue();
        assertThat(classifier.isAuthenticationFailure(new RuntimeException(wrapper))).isTrue();
        assertThat(classifier.code(new RuntimeException(wrapper))).isEqualTo("28P01");
    }

    @Test
    void theReplyIsTheMessageOfTheExceptionCarryingTheServersState() {
        SQLException rejected = new SQLException("FATAL: password authentication failed for user \"app\"", "28P01");

        assertThat(classifier.reply(new RuntimeException("pool", rejected)))
                .isEqualTo("FATAL: password authentication failed for user \"app\"");
        assertThat(classifier.reply(new SQLException((String) null, "28000"))).isEqualTo("28000");
    }

    @Test
    void toleratesNullsAndCircularChains() {
        SQLException first = new SQLException("first", "08006");
        SQLException second = new SQLException("second", (String) null, first);
        first.setNextException(second);

        assertThat(classifier.isAuthenticationFailure(null)).isFalse();
        assertThat(classifier.isAuthenticationFailure(new SQLException((String) null))).isFalse();
        assertThat(classifier.isAuthenticationFailure(first)).isFalse();
    }
}
