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
        for (String key : List.of("USER", "PASSWORD_CURRENT", "PASSWORD_NEXT", "USER_NEXT", "VERSION_CURRENT",
                "VERSION_NEXT")) {
            System.clearProperty(PREFIX + "_" + key);
        }
    }

    static void set(String... keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            System.setProperty(PREFIX + "_" + keysAndValues[i], keysAndValues[i + 1]);
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
    void labelsEachPasswordWithItsVersionWhenTheStoreGivesOne() throws Exception {
        set("USER", "app", "PASSWORD_CURRENT", "old-pw", "VERSION_CURRENT", "6", "PASSWORD_NEXT", "new-pw",
                "VERSION_NEXT", " 7\n");

        CredentialSet set = source.load();

        assertThat(set.current().version()).contains("6");
        assertThat(set.next()).hasValueSatisfying(next -> assertThat(next.version()).contains("7"));
    }

    @Test
    void aPasswordWithoutAVersionIsUnversioned() throws Exception {
        set("USER", "app", "PASSWORD_CURRENT", "old-pw", "VERSION_CURRENT", "");

        assertThat(source.load().current().version()).isEmpty();
    }

    @Test
    void aVersionThatCarriesThePasswordFailsTheLoadNamingTheKeyNotTheValue() {
        set("USER", "app", "PASSWORD_CURRENT", SENTINEL, "VERSION_CURRENT", "v-" + SENTINEL);

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining(PREFIX + "_VERSION_CURRENT")
                .hasMessageContaining("must not contain the password")
                .hasMessageNotContaining(SENTINEL);
    }

    @Test
    void aVersionWithSpacesFailsTheLoadNamingTheKey() {
        set("USER", "app", "PASSWORD_CURRENT", "old-pw", "PASSWORD_NEXT", "new-pw", "VERSION_NEXT", "version 7");

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining(PREFIX + "_VERSION_NEXT");
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
