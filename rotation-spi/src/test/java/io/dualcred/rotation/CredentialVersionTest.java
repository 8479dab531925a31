package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.rotation.spi.SessionTag;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CredentialVersionTest {

    static final Credential APP = Credential.of("app", "S3ntinel-pw-XYZ");

    @Test
    void aVersionIsPartOfTheCredentialAndShownButThePasswordIsNot() {
        Credential seven = APP.withVersion("7");

        assertThat(seven.version()).contains("7");
        assertThat(seven).isNotEqualTo(APP).isEqualTo(Credential.of("app", "S3ntinel-pw-XYZ").withVersion("7"));
        assertThat(seven.toString()).contains("version=7").doesNotContain("S3ntinel");
        assertThat(CredentialSet.of(seven).revision()).isNotEqualTo(CredentialSet.of(APP).revision());
    }

    @Test
    void refusesAVersionThatContainsThePasswordWithoutShowingIt() {
        assertThatThrownBy(() -> APP.withVersion("x" + APP.password()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version")
                .hasMessageNotContaining(APP.password());
    }

    @Test
    void refusesAVersionNoServerCouldShowInAClientName() {
        for (String version : new String[] {"", "version 7", "7]", "a".repeat(41), "é"}) {
            assertThatThrownBy(() -> APP.withVersion(version)).as(version)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("version");
        }
    }

    @Test
    void theTagShowsTheStoresVersionOrSaysUnversionedNeverAnythingFromThePassword() {
        assertThat(SessionTag.of(APP.withVersion("7"))).isEqualTo("[dualcred:v7]");
        assertThat(SessionTag.of(APP)).isEqualTo("[dualcred:unversioned]");
        assertThat(SessionTag.of(Credential.of("app", "other-password"))).isEqualTo(SessionTag.of(APP));
    }

    @Test
    void theTagFollowsTheApplicationsNameWhichIsShortenedNeverTheTag() {
        Credential version = APP.withVersion("3f2a9c1e-5b7d-4e8f-a0b1-c2d3e4f5a6b7");

        assertThat(SessionTag.append("orders-api", " ", APP.withVersion("7"), 63))
                .isEqualTo("orders-api [dualcred:v7]");
        assertThat(SessionTag.append(null, " ", APP, 63)).isEqualTo("[dualcred:unversioned]");
        String longName = SessionTag.append("ä".repeat(40), " ", version, 63);
        assertThat(longName).endsWith(" [dualcred:v3f2a9c1e-5b7d-4e8f-a0b1-c2d3e4f5a6b7]").startsWith("ää");
        assertThat(longName.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
    }
}
