package io.dualcred.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.core.io.support.SpringFactoriesLoader;

class BootVersionCheckTest {

    @Test
    void anOlderBootIsStoppedNamingBothVersionsAndWhatToDo() {
        assertThatThrownBy(() -> BootVersionCheck.check("3.5.7")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs Spring Boot 4.0 or later")
                .hasMessageContaining("runs Spring Boot 3.5.7")
                .hasMessageContaining("dualcred-connectors-postgres");
    }

    @Test
    void theBootOfThisBuildAndUnknownVersionsPass() {
        assertThat(SpringBootVersion.getVersion()).startsWith("4.");
        assertThatCode(() -> BootVersionCheck.check(SpringBootVersion.getVersion())).doesNotThrowAnyException();
        assertThatCode(() -> BootVersionCheck.check(null)).doesNotThrowAnyException();
        assertThatCode(() -> BootVersionCheck.check("snapshot")).doesNotThrowAnyException();
    }

    @Test
    void springFactoriesRegisterTheCheckAsAnInitializer() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ApplicationContextInitializer.class))
                .anySatisfy(initializer -> assertThat(initializer).isInstanceOf(BootVersionCheck.class));
    }
}
