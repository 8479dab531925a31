package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source URI may carry a secret in its user info ({@code vault://app:token@host}) or its query
 * ({@code ?token=...}): whatever {@link CredentialSources#fromUri} says about a URI, in a message, a cause, a stack
 * trace or the description of the source it built, shows at most its scheme, host and path.
 */
class SourceUriRedactionTest {

    static final String SECRET = "s3cr3t";

    @TempDir
    Path temp;

    @Test
    void anUnknownSchemeIsReportedWithoutUserInfoOrQuery() {
        Throwable thrown = catchThrowable(() -> CredentialSources.fromUri(
                "vault://app:" + SECRET + "@vault.example:8200/secret/db?token=" + SECRET));

        assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("no credential source provider for scheme 'vault'")
                .hasMessageContaining("vault://vault.example:8200/secret/db");
        assertThat(everythingAbout(thrown)).doesNotContain(SECRET);
    }

    @Test
    void aMalformedUriIsReportedWithoutRepeatingIt() {
        Throwable thrown = catchThrowable(() -> CredentialSources.fromUri(
                "vault://app:" + SECRET + "@vault example/secret/db?token=" + SECRET));

        assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("malformed credential source URI: Illegal character")
                .hasMessageContaining("vault:");
        assertThat(everythingAbout(thrown)).doesNotContain(SECRET);
    }

    @Test
    void aUriWithoutSchemeIsReportedWithoutUserInfoOrQuery() {
        Throwable thrown = catchThrowable(() -> CredentialSources.fromUri(
                "//app:" + SECRET + "@vault.example/secret/db?token=" + SECRET));

        assertThat(thrown).isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("has no scheme")
                .hasMessageContaining("//vault.example/secret/db");
        assertThat(everythingAbout(thrown)).doesNotContain(SECRET);
    }

    @Test
    void aFileUriWithAQueryOrUserInfoIsRefusedWithoutRepeatingThem() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("db"));
        SourceFixtures.writePlainFiles(directory, SourceFixtures.keys("app", "old-pw", null));

        for (String uri : new String[] {
                directory.toUri() + "?token=" + SECRET,
                "file://app:" + SECRET + "@" + directory,
                "file:" + temp.relativize(directory) + "?token=" + SECRET,
                "file:" + directory + "#" + SECRET}) {
            assertThat(everythingAbout(resolve(uri))).as(uri).doesNotContain(SECRET);
        }
    }

    @Test
    void envAndSyspropUrisWithAQueryOrUserInfoAreRefusedWithoutRepeatingThem() {
        for (String uri : new String[] {
                "env:DB?token=" + SECRET,
                "sysprop:db?token=" + SECRET,
                "env:app:" + SECRET + "@DB",
                "sysprop:db%3Ftoken=" + SECRET,
                "env:/DB?token=" + SECRET}) {
            Object resolved = resolve(uri);

            assertThat(resolved).as(uri).isInstanceOf(CredentialSourceException.class);
            assertThat(everythingAbout(resolved)).as(uri).doesNotContain(SECRET);
        }
    }

    @Test
    void aThirdPartyProviderStillReceivesTheWholeUri() throws Exception {
        CredentialSource source = CredentialSources.fromUri("memory:alice?token=" + SECRET);

        assertThat(source.load().current().username()).isEqualTo("alice?token=" + SECRET);
    }

    /** The source built, or the exception thrown. */
    private static Object resolve(String uri) {
        try {
            return CredentialSources.fromUri(uri);
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** A throwable's whole stack trace, with causes and suppressed ones; a source's description and toString. */
    private static String everythingAbout(Object resolved) {
        if (resolved instanceof Throwable thrown) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            return trace.toString();
        }
        CredentialSource source = (CredentialSource) resolved;
        return source.description() + "\n" + source;
    }
}
