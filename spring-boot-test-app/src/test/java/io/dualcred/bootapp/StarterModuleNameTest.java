package io.dualcred.bootapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.spring.boot.DualcredProperties;
import java.io.IOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The starter's jar, as an application's build gets it, has a stable module name: a module path derives it from the
 * manifest's {@code Automatic-Module-Name}, not from the file name.
 */
class StarterModuleNameTest {

    @Test
    void theStartersJarIsTheAutomaticModuleIoDualcredSpringBoot() throws IOException {
        Path jar = starterJar();
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                    .isEqualTo("io.dualcred.spring.boot");
        }
        List<ModuleReference> modules = List.copyOf(ModuleFinder.of(jar).findAll());
        assertThat(modules).hasSize(1);
        assertThat(modules.get(0).descriptor().name()).isEqualTo("io.dualcred.spring.boot");
        assertThat(modules.get(0).descriptor().isAutomatic()).isTrue();
    }

    /**
     * @return the jar the test class path has; in a reactor build that stops before {@code package} (e.g.
     *     {@code test -pl ... -am}) that is the starter's classes directory, and the jar next to it, if built
     */
    private static Path starterJar() throws IOException {
        Path location;
        try {
            location = Path.of(DualcredProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (Files.isRegularFile(location)) {
            return location;
        }
        try (Stream<Path> built = Files.list(location.getParent())) {
            return built.filter(path -> path.getFileName().toString().matches(
                            "dualcred-spring-boot-starter-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the starter is on the class path as " + location
                            + " and its jar is not built: run ./mvnw verify (or package the starter first)"));
        }
    }
}
