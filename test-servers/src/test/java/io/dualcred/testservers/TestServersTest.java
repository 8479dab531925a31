package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

class TestServersTest {

    private final boolean docker = DockerClientFactory.instance().isDockerAvailable();

    @Test
    void embeddedIsChosenWhenAsked() {
        assertThat(TestServers.resolve("embedded")).isEqualTo(TestServers.Kind.EMBEDDED);
        assertThat(TestServers.resolve(" Embedded ")).isEqualTo(TestServers.Kind.EMBEDDED);
    }

    @Test
    void autoFollowsTheDockerEngine() {
        TestServers.Kind expected = docker ? TestServers.Kind.CONTAINERS : TestServers.Kind.EMBEDDED;
        assertThat(TestServers.resolve("auto")).isEqualTo(expected);
        assertThat(TestServers.resolve("")).isEqualTo(expected);
    }

    @Test
    void containersWithoutDockerFailWithTheReason() {
        if (docker) {
            assertThat(TestServers.resolve("containers")).isEqualTo(TestServers.Kind.CONTAINERS);
        } else {
            assertThatThrownBy(() -> TestServers.resolve("containers"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("containers requested (dualcred.testservers=containers) but no Docker engine: ");
        }
    }

    @Test
    void unknownValuesAreRefused() {
        assertThatThrownBy(() -> TestServers.resolve("docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, embedded or containers");
    }

    @Test
    void thisBuildUsesTheKindItAskedFor() {
        assertThat(TestServers.kind()).isEqualTo(TestServers.resolve(System.getProperty(TestServers.PROPERTY, "auto")));
    }
}
