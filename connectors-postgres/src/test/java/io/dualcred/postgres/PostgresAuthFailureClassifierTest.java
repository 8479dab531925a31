package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.postgres.internal.PostgresAuthFailureClassifier;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which failures make the pool try another credential: 28P01 and 28000 anywhere in the chain, nothing else. */
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
    @ValueSource(strings = {"08001", "08006", "57P01", "57P03", "53300", "3D000", "42501", "28"})
    void otherStatesAreNotAuthenticationFailures(String state) {
        assertThat(classifier.isAuthenticationFailure(new SQLException("FATAL", state))).isFalse();
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
