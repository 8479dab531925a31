package io.dualcred.integration.modules;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.micrometer.RotationMetrics;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.rotation.CredentialSources;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import redis.clients.jedis.Jedis;

/**
 * The published jars as a modular application sees them (the other tests run on the class path): their
 * {@code module-info} files resolve against the real modules of their dependencies, export only the API and the
 * connector SPI, and declare the credential-source providers, since a named module's {@code META-INF/services} is
 * ignored.
 */
class PublishedModulesTest {

    private static final String ROTATION = "io.dualcred.rotation";
    private static final String POSTGRES = "io.dualcred.postgres";
    private static final String REDIS = "io.dualcred.redis";
    private static final String MICROMETER = "io.dualcred.micrometer";

    /** A class from each published jar and from each jar their module-info files require. */
    private static final List<Class<?>> JARS = List.of(CredentialSources.class, DualCredentialDataSource.class,
            DualCredentialRedis.class, Logger.class, IntervalFunction.class, HikariDataSource.class,
            org.postgresql.Driver.class, Jedis.class, GenericObjectPool.class, RotationMetrics.class, MeterBinder.class);

    private static Configuration modules;
    private static ModuleLayer layer;

    @BeforeAll
    static void resolveThePublishedModules() {
        Path[] jars = JARS.stream().map(PublishedModulesTest::jarOf).toArray(Path[]::new);
        modules = ModuleLayer.boot().configuration().resolveAndBind(ModuleFinder.of(jars), ModuleFinder.of(),
                Set.of(POSTGRES, REDIS, MICROMETER));
        // The platform loader as parent: nothing of the class path, where the same classes are, leaks into the layer.
        layer = ModuleLayer.boot().defineModulesWithOneLoader(modules, ClassLoader.getPlatformClassLoader());
    }

    @Test
    void eachModuleExportsOnlyItsApiAndTheConnectorSpi() {
        assertThat(exports(ROTATION)).containsExactlyInAnyOrder("io.dualcred.rotation", "io.dualcred.rotation.spi");
        assertThat(exports(POSTGRES)).containsExactly("io.dualcred.postgres");
        assertThat(exports(REDIS)).containsExactly("io.dualcred.redis");
        assertThat(exports(MICROMETER)).containsExactly("io.dualcred.micrometer");
        assertThat(descriptor(ROTATION).packages()).contains("io.dualcred.rotation.internal");
        assertThat(descriptor(POSTGRES).packages()).contains("io.dualcred.postgres.internal");
        assertThat(descriptor(REDIS).packages()).contains("io.dualcred.redis.internal");
    }

    @Test
    void theConnectorsLoadWithEverythingTheyExtendFromTheirRequiredModules() throws Exception {
        ClassLoader loader = layer.findLoader(POSTGRES);
        assertThat(Class.forName("io.dualcred.postgres.DualCredentialDataSource", false, loader).getModule().getName())
                .isEqualTo(POSTGRES);
        // DualCredentialJedisPool extends Jedis' pool, which extends commons-pool's.
        assertThat(Class.forName("io.dualcred.redis.DualCredentialJedisPool", false, loader).getModule().getName())
                .isEqualTo(REDIS);
    }

    @Test
    void theBuiltInSourceProvidersAreProvidedAndFoundFromInsideTheModule() throws Exception {
        ClassLoader loader = layer.findLoader(ROTATION);
        Class<?> provider = Class.forName("io.dualcred.rotation.CredentialSourceProvider", false, loader);
        assertThat(ServiceLoader.load(layer, provider).stream().map(found -> found.type().getName()))
                .containsExactlyInAnyOrder("io.dualcred.rotation.internal.EnvironmentSourceProvider",
                        "io.dualcred.rotation.internal.SystemPropertiesSourceProvider",
                        "io.dualcred.rotation.internal.DirectorySourceProvider");

        // fromUri asks ServiceLoader for providers, which a named module may do only for a service it declares it uses.
        Class<?> sources = Class.forName("io.dualcred.rotation.CredentialSources", true, loader);
        Class<?> source = Class.forName("io.dualcred.rotation.CredentialSource", false, loader);
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Object resolved = sources.getMethod("fromUri", String.class).invoke(null, "sysprop:modulecheck");
            assertThat(source.getMethod("description").invoke(resolved)).isEqualTo("sysprop:modulecheck");
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    /** @return the exported packages; a qualified export reads {@code package to [modules]} */
    private static Set<String> exports(String module) {
        return descriptor(module).exports().stream().map(ModuleDescriptor.Exports::toString)
                .collect(Collectors.toSet());
    }

    private static ModuleDescriptor descriptor(String module) {
        return modules.findModule(module).orElseThrow().reference().descriptor();
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(type.getName(), e);
        }
    }
}
