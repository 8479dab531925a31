package io.dualcred.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

class RedisAuthFailureClassifierTest {

    private final RedisAuthFailureClassifier classifier = RedisAuthFailureClassifier.INSTANCE;

    @ParameterizedTest
    @ValueSource(strings = {
        "WRONGPASS invalid username-password pair or user is disabled.",
        "WRONGPASS invalid username-password pair",
        "NOAUTH Authentication required.",
        "NOAUTH HELLO must be called with the client already authenticated",
    })
    void accessControlRepliesAboutTheLoginAreAuthenticationFailures(String reply) {
        JedisAccessControlException failure = new JedisAccessControlException(reply);

        assertThat(classifier.isAuthenticationFailure(failure)).isTrue();
        assertThat(classifier.code(failure)).isEqualTo(reply.substring(0, reply.indexOf(' ')));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ERR invalid password", "ERR invalid username-password pair"})
    void olderServersRepliesAreAuthenticationFailuresToo(String reply) {
        assertThat(classifier.isAuthenticationFailure(new JedisDataException(reply))).isTrue();
        assertThat(classifier.code(new JedisDataException(reply))).isEqualTo("ERR");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "NOPERM this user has no permissions to run the 'select' command",
        "NOPERM User app has no permissions to access the 'key' key",
        "ERR max number of clients reached",
        "LOADING Redis is loading the dataset in memory",
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your"
                + " configuration is correct?",
    })
    void otherRepliesAreNot(String reply) {
        assertThat(classifier.isAuthenticationFailure(new JedisAccessControlException(reply))).isFalse();
        assertThat(classifier.isAuthenticationFailure(new JedisDataException(reply))).isFalse();
    }

    @Test
    void connectionFailuresAreNot() {
        JedisConnectionException refused =
                new JedisConnectionException("Failed to connect to any host resolved for DNS name.",
                        new ConnectException("Connection refused"));

        assertThat(classifier.isAuthenticationFailure(refused)).isFalse();
        assertThat(classifier.code(refused)).isEqualTo("JedisConnectionException");
    }

    @Test
    void theReplyIsFoundAnywhereInTheCauseChain() {
        JedisException wrapped = new JedisException("Could not get a resource from the pool",
                new IllegalStateException("wrapper", new JedisAccessControlException("WRONGPASS invalid")));

        assertThat(classifier.isAuthenticationFailure(wrapped)).isTrue();
        assertThat(classifier.code(wrapped)).isEqualTo("WRONGPASS");
    }
}
