package io.dualcred.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.rotation.Credential;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SourceParametersAndJsonSecretTest {

    @Test
    void parametersAreTakenOneByOneAndWhatIsLeftIsUnknown() {
        SourceParameters parameters = SourceParameters.parse("aws-sm", "region=eu-west-1&timeout=500ms&poll-interval=0"
                + "&cache-ttl=2m&x%20y=1");

        assertThat(parameters.take("region")).isEqualTo("eu-west-1");
        assertThat(parameters.takeDuration("timeout")).isEqualTo(Duration.ofMillis(500));
        assertThat(parameters.takeDuration("poll-interval")).isEqualTo(Duration.ZERO);
        assertThat(parameters.takeDuration("cache-ttl")).isEqualTo(Duration.ofMinutes(2));
        assertThat(parameters.take("missing", "fallback")).isEqualTo("fallback");
        assertThatThrownBy(() -> parameters.requireAllTaken("aws-sm:db")).hasMessage("aws-sm:db: unknown parameter(s) x y");
    }

    @Test
    void aSecretParameterIsRefusedWithoutItsValue() {
        assertThatThrownBy(() -> SourceParameters.parse("aws-sm", "secret-access-key=wJalrXUtnFEMI"))
                .hasMessageContaining("'secret-access-key' would put a secret in the URI")
                .hasMessageNotContaining("wJalrXUtnFEMI");
        assertThatThrownBy(() -> SourceParameters.parse("x", "timeout=soon").takeDuration("timeout"))
                .hasMessage("x: parameter 'timeout' must be a duration such as 500ms, 5s, 1m or 1h");
    }

    @Test
    void anOpaqueLocationIsSplitFromItsQuery() {
        assertThat(SourceParameters.splitOpaque("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC?region=x"))
                .containsExactly("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC", "region=x");
        assertThat(SourceParameters.splitOpaque("secret/db")).containsExactly("secret/db", null);
    }

    @Test
    void aJsonSecretGivesItsCredentialAndNamesAMissingKeyWithoutShowingTheDocument() {
        assertThat(JsonSecret.credential("{\"username\":\"orders\",\"password\":\"pw-1\",\"host\":\"db\"}",
                "username", "password", "aws-sm:db AWSCURRENT")).isEqualTo(Credential.of("orders", "pw-1"));
        assertThatThrownBy(() -> JsonSecret.credential("{\"username\":\"orders\",\"pass\":\"pw-2\"}", "username",
                "password", "aws-sm:db AWSPENDING"))
                .hasMessage("aws-sm:db AWSPENDING: key \"password\" is missing");
        assertThatThrownBy(() -> JsonSecret.credential("pw-3-not-json", "username", "password", "gcp-sm:db next"))
                .hasMessageContaining("gcp-sm:db next is not JSON").hasMessageNotContaining("pw-3");
    }
}
