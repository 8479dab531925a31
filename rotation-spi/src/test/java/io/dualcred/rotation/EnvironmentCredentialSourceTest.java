package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.rotation.internal.PrefixedKeyCredentialSource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvironmentCredentialSourceTest {

    final Map<String, String> environment = new HashMap<>();
    final CredentialSource source = new PrefixedKeyCredentialSource("env", "environment variable", "DB",
            environment::get);

    /** Sets variables by their name after the {@code DB_} prefix: {@code given("USER", "app", ...)}. */
    void given(String... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            environment.put("DB_" + namesAndValues[i], namesAndValues[i + 1]);
        }
    }

    @Test
    void readsCurrentOnlyWhenNoNextPasswordIsSet() throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw");

        CredentialSet set = source.load();

        assertThat(set.current()).isEqualTo(Credential.of("app", "old-pw"));
        assertThat(set.next()).isEmpty();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " "})
    void nextPasswordIsForTheSameUserWhenNoNextUserIsSet(String nextUser) throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw", "PASSWORD_NEXT", "new-pw", "USER_NEXT", nextUser);

        assertThat(source.load().next()).contains(Credential.of("app", "new-pw"));
    }

    @Test
    void nextUserSupportsAlternatingUsers() throws Exception {
        given("USER", "app_blue", "PASSWORD_CURRENT", "blue-pw");
        given("USER_NEXT", "app_green", "PASSWORD_NEXT", "green-pw");

        CredentialSet set = source.load();

        assertThat(set.current()).isEqualTo(Credential.of("app_blue", "blue-pw"));
        assertThat(set.next()).contains(Credential.of("app_green", "green-pw"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "\t"})
    void blankNextPasswordCountsAsAbsent(String blank) throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw", "PASSWORD_NEXT", blank);

        assertThat(source.load().next()).isEmpty();
    }

    @Test
    void nextUserWithoutNextPasswordIsIgnored() throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw", "USER_NEXT", "other");

        assertThat(source.load()).isEqualTo(CredentialSet.of(Credential.of("app", "old-pw")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DB_PASSWORD_CURRENT |        | is not set",
        "DB_USER             |        | is not set",
        "DB_PASSWORD_CURRENT | '   '  | is blank",
        "DB_USER             | ''     | is empty",
    })
    void errorNamesTheMissingVariable(String variable, String value, String problem) {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw");
        if (value == null) {
            environment.remove(variable);
        } else {
            environment.put(variable, value);
        }

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("env:DB: environment variable " + variable + " " + problem);
    }

    @Test
    void readsTheVariablesAfreshOnEveryLoad() throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", "old-pw");
        CredentialSet before = source.load();

        given("PASSWORD_NEXT", "new-pw");

        assertThat(source.load()).isNotEqualTo(before);
        assertThat(source.load().next()).contains(Credential.of("app", "new-pw"));
    }

    @Test
    void passwordsKeepTheirWhitespace() throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", " spaced pw ");

        assertThat(source.load().current().password()).isEqualTo(" spaced pw ");
    }

    @Test
    void readsTheRealProcessEnvironment() {
        String prefix = "DUALCRED_TEST_SURELY_UNSET_" + ProcessHandle.current().pid();

        assertThatThrownBy(CredentialSources.environment(prefix)::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("env:" + prefix + ": environment variable " + prefix + "_USER is not set");
    }

    @Test
    void describesItselfByPrefix() {
        assertThat(CredentialSources.environment("DB").description()).isEqualTo("env:DB");
        assertThat(CredentialSources.environment("DB")).hasToString("env:DB");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void blankPrefixIsRejected(String prefix) {
        assertThatThrownBy(() -> CredentialSources.environment(prefix))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");
    }

    @Test
    void neverRevealsAPassword() throws Exception {
        given("USER", "app", "PASSWORD_CURRENT", SENTINEL, "PASSWORD_NEXT", SENTINEL + "-next");
        CredentialSet set = source.load();
        environment.remove("DB_USER");
        Throwable failure = catchThrowable(source::load);
        given("USER", "app", "PASSWORD_CURRENT", " ");
        Throwable blank = catchThrowable(source::load);

        assertThat(set.toString()).doesNotContain(SENTINEL);
        assertThat(source.description()).doesNotContain(SENTINEL);
        assertThat(source.toString()).doesNotContain(SENTINEL);
        assertThat(failure).isInstanceOf(CredentialSourceException.class);
        assertThat(failure.getMessage()).doesNotContain(SENTINEL);
        assertThat(blank.getMessage()).doesNotContain(SENTINEL);
    }
}
