package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SystemPropertiesCredentialSourceTest {

    static final String PREFIX = "dualcred.test.db";

    final CredentialSource source = CredentialSources.systemProperties(PREFIX);

    @AfterEach
    void clearProperties() {
        for (String key : List.of("USER", "PASSWORD_CURRENT", "PASSWORD_NEXT", "USER_NEXT")) {
            System.clearProperty(PREFIX + "_" + key);
        }
    }

    @Test
    void readsPropertiesNamedAfterThePrefix() throws Exception {
        System.setProperty(PREFIX + "_USER", "app");
        System.setProperty(PREFIX + "_PASSWORD_CURRENT", "old-pw");
        System.setProperty(PREFIX + "_USER_NEXT", "app2");
        System.setProperty(PREFIX + "_PASSWORD_NEXT", "new-pw");

        CredentialSet set = source.load();

        assertThat(set.current()).isEqualTo(Credential.of("app", "old-pw"));
        assertThat(set.next()).contains(Credential.of("app2", "new-pw"));
    }

    @Test
    void seesAPropertyChangedAtRuntime() throws Exception {
        System.setProperty(PREFIX + "_USER", "app");
        System.setProperty(PREFIX + "_PASSWORD_CURRENT", "old-pw");
        assertThat(source.load().next()).isEmpty();

        System.setProperty(PREFIX + "_PASSWORD_NEXT", "new-pw");

        assertThat(source.load().next()).contains(Credential.of("app", "new-pw"));
    }

    @Test
    void blankNextPasswordCountsAsAbsent() throws Exception {
        System.setProperty(PREFIX + "_USER", "app");
        System.setProperty(PREFIX + "_PASSWORD_CURRENT", "old-pw");
        System.setProperty(PREFIX + "_PASSWORD_NEXT", " ");

        assertThat(source.load().next()).isEmpty();
    }

    @Test
    void errorNamesTheMissingProperty() {
        System.setProperty(PREFIX + "_PASSWORD_CURRENT", SENTINEL);

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("sysprop:" + PREFIX + ": system property " + PREFIX + "_USER is not set")
                .message().doesNotContain(SENTINEL);
    }

    @Test
    void describesItselfByPrefix() {
        assertThat(source.description()).isEqualTo("sysprop:" + PREFIX);
    }

    @Test
    void blankPrefixIsRejected() {
        assertThatThrownBy(() -> CredentialSources.systemProperties(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");
    }
}
