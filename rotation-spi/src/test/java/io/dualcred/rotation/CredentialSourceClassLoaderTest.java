package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CredentialSources#fromUri} is called from whatever thread builds a pool: an application server's worker, a
 * framework thread or a plain thread whose context class loader was set to something that never heard of dualcred.
 */
class CredentialSourceClassLoaderTest {

    /** Registered only through the loader {@link #withServiceFile} builds, never on the test class path. */
    public static final class ContextOnlyProvider implements CredentialSourceProvider {

        @Override
        public String scheme() {
            return "context-only";
        }

        @Override
        public CredentialSource create(URI location) {
            return CredentialSources.fixed(Credential.of(location.getSchemeSpecificPart(), "context-only-pw"));
        }
    }

    @TempDir
    Path temp;

    @AfterEach
    void clearProperties() {
        System.clearProperty("loadertest_USER");
        System.clearProperty("loadertest_PASSWORD_CURRENT");
    }

    @Test
    void builtInSchemesResolveWhenTheContextLoaderCannotSeeDualcred() throws Exception {
        System.setProperty("loadertest_USER", "app");
        System.setProperty("loadertest_PASSWORD_CURRENT", "old-pw");
        Path directory = temp.resolve("secrets");
        SourceFixtures.writePlainFiles(directory, keys("app", "old-pw", null));

        try (URLClassLoader blind = new URLClassLoader(new URL[0], null)) {
            CredentialSource sysprop = onThreadWith(blind, () -> CredentialSources.fromUri("sysprop:loadertest"));
            CredentialSource env = onThreadWith(blind, () -> CredentialSources.fromUri("env:DB"));
            CredentialSource file = onThreadWith(blind, () -> CredentialSources.fromUri(directory.toUri().toString()));

            assertThat(sysprop.load().current()).isEqualTo(Credential.of("app", "old-pw"));
            assertThat(env.description()).isEqualTo("env:DB");
            assertThat(file.load().current()).isEqualTo(Credential.of("app", "old-pw"));
        }
    }

    @Test
    void builtInSchemesResolveWithoutAContextLoader() throws Exception {
        CredentialSource source = onThreadWith(null, () -> CredentialSources.fromUri("env:DB"));

        assertThat(source.description()).isEqualTo("env:DB");
    }

    @Test
    void aBlindContextLoaderStillListsEveryKnownScheme() throws Exception {
        try (URLClassLoader blind = new URLClassLoader(new URL[0], null)) {
            assertThatThrownBy(() -> onThreadWith(blind, () -> CredentialSources.fromUri("vault:secret/db")))
                    .isInstanceOf(CredentialSourceException.class)
                    .hasMessageEndingWith("known schemes: env, file, memory, sysprop");
        }
    }

    @Test
    void aProviderOnlyTheContextLoaderSeesHandlesItsScheme() throws Exception {
        try (URLClassLoader application = withServiceFile(ContextOnlyProvider.class)) {
            CredentialSource source = onThreadWith(application, () -> CredentialSources.fromUri("context-only:bob"));

            assertThat(source.load().current().username()).isEqualTo("bob");
            assertThatThrownBy(() -> CredentialSources.fromUri("context-only:bob"))
                    .as("not found through the test's own loader")
                    .isInstanceOf(CredentialSourceException.class)
                    .hasMessageStartingWith("no credential source provider for scheme 'context-only'");
        }
    }

    @Test
    void aBuiltInListedByBothLoadersIsOneProvider() throws Exception {
        // A context loader below the application's sees dualcred's own service file a second time.
        try (URLClassLoader child = new URLClassLoader(new URL[0], getClass().getClassLoader())) {
            CredentialSource source = onThreadWith(child, () -> CredentialSources.fromUri("env:DB"));

            assertThat(source.description()).isEqualTo("env:DB");
        }
    }

    /** A loader below the test's own that adds a services file naming {@code provider}. */
    private URLClassLoader withServiceFile(Class<? extends CredentialSourceProvider> provider) throws Exception {
        Path services = Files.createDirectories(temp.resolve("jar/META-INF/services"));
        Files.writeString(services.resolve(CredentialSourceProvider.class.getName()), provider.getName() + "\n");
        return new URLClassLoader(new URL[] {temp.resolve("jar").toUri().toURL()}, getClass().getClassLoader());
    }

    /** Runs {@code task} on a new thread whose context class loader is {@code loader}, rethrowing what it threw. */
    private static <T> T onThreadWith(ClassLoader loader, Callable<T> task) throws Exception {
        FutureTask<T> future = new FutureTask<>(task);
        Thread thread = new Thread(future, "context-loader-test");
        thread.setContextClassLoader(loader);
        thread.start();
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception failure) {
                throw failure;
            }
            throw e;
        } finally {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
