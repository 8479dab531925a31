package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.SENTINEL;
import static io.dualcred.rotation.SourceFixtures.keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialSourcesUriTest {

    /** Registered in the test resources' META-INF/services, as a third-party jar would register it. */
    public static final class InMemoryProvider implements CredentialSourceProvider {

        @Override
        public String scheme() {
            return "memory";
        }

        @Override
        public CredentialSource create(URI location) {
            return CredentialSources.fixed(Credential.of(location.getSchemeSpecificPart(), SENTINEL));
        }
    }

    @TempDir
    Path temp;

    @AfterEach
    void clearProperties() {
        System.clearProperty("uritest_USER");
        System.clearProperty("uritest_PASSWORD_CURRENT");
    }

    @Test
    void envUriNamesTheVariablePrefix() {
        CredentialSource source = CredentialSources.fromUri("env:DB");

        assertThat(source.description()).isEqualTo("env:DB");
    }

    @Test
    void syspropUriReadsSystemProperties() throws Exception {
        System.setProperty("uritest_USER", "app");
        System.setProperty("uritest_PASSWORD_CURRENT", "old-pw");

        CredentialSource source = CredentialSources.fromUri("sysprop:uritest");

        assertThat(source.description()).isEqualTo("sysprop:uritest");
        assertThat(source.load().current()).isEqualTo(Credential.of("app", "old-pw"));
    }

    @Test
    void fileUriTakesTheDirectoryFromThePath() throws Exception {
        Path directory = temp.resolve("db secrets");
        SourceFixtures.writePlainFiles(directory, keys("app", "old-pw", null));

        CredentialSource source = CredentialSources.fromUri(directory.toUri().toString());

        assertThat(source.description()).isEqualTo("file:" + directory);
        assertThat(source.load().current()).isEqualTo(Credential.of("app", "old-pw"));
    }

    @Test
    void fileUriForAMissingDirectoryFailsWhenResolved() {
        String uri = "file:" + temp.resolve("absent");

        assertThatThrownBy(() -> CredentialSources.fromUri(uri))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage(uri + ": the directory does not exist");
    }

    @Test
    void fileUriWithAHostIsRejected() {
        assertThatThrownBy(() -> CredentialSources.fromUri("file://secrets-host/etc/db"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("does not name a local directory");
    }

    @Test
    void schemeIsCaseInsensitive() {
        assertThat(CredentialSources.fromUri("ENV:DB").description()).isEqualTo("env:DB");
    }

    @Test
    void thirdPartyProviderAddsAScheme() throws Exception {
        CredentialSource source = CredentialSources.fromUri("memory:alice");

        assertThat(source.load().current().username()).isEqualTo("alice");
    }

    @Test
    void unknownSchemeListsTheKnownSchemes() {
        assertThatThrownBy(() -> CredentialSources.fromUri("vault:secret/db"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("no credential source provider for scheme 'vault' in vault:...; "
                        + "known schemes: env, file, memory, sysprop");
        assertThatThrownBy(() -> CredentialSources.fromUri("vault://vault.example:8200/secret/db"))
                .hasMessageContaining(" in vault://vault.example:8200/secret/db; ");
    }

    @Test
    void malformedUriNamesTheProblem() {
        assertThatThrownBy(() -> CredentialSources.fromUri("env:"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("malformed credential source URI: Expected scheme-specific part");
        assertThatThrownBy(() -> CredentialSources.fromUri("env:D B"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("Illegal character");
    }

    @Test
    void uriWithoutSchemeIsRejected() {
        assertThatThrownBy(() -> CredentialSources.fromUri("DB"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("credential source URI DB has no scheme");
        assertThatThrownBy(() -> CredentialSources.fromUri(" "))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("credential source URI must not be blank");
    }

    @Test
    void envUriMustBeAPrefixNotAPath() {
        assertThatThrownBy(() -> CredentialSources.fromUri("env:/DB"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("credential source URI env:/DB is not of the form env:PREFIX, e.g. env:DB");
        assertThatThrownBy(() -> CredentialSources.fromUri("sysprop:db#x"))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("sysprop:PREFIX");
    }
}
