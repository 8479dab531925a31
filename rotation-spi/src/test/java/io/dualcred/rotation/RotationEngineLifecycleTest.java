package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.MutableSource;
import io.dualcred.rotation.EngineFixtures.RecordingEvictor;
import io.dualcred.rotation.spi.RotationEngine;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The refresh schedule, JMX registration and configuration checks. */
class RotationEngineLifecycleTest {

    static final Credential OLD = Credential.of("app", "old-password");
    static final Credential NEW = Credential.of("app", "new-password");

    final RecordingEvictor evictor = new RecordingEvictor();

    RotationEngine start(String pool, MutableSource source, RotationConfig config) {
        return RotationEngine.builder(pool).source(source).classifier(EngineFixtures.CLASSIFIER).evictor(evictor)
                .config(config).start();
    }

    static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void theRefreshScheduleReadsTheSourceUntilClosed() {
        MutableSource source = new MutableSource(CredentialSet.of(OLD));
        RotationEngine engine = start("scheduled", source,
                RotationConfig.custom().refreshInterval(Duration.ofMillis(20)).build());
        source.set(CredentialSet.of(OLD, NEW));

        await().atMost(Duration.ofSeconds(10)).until(() -> engine.status().nextStaged());
        assertThat(threadAlive("dualcred-scheduled-refresh")).isTrue();

        engine.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !threadAlive("dualcred-scheduled-refresh"));
    }

    @Test
    void noRefreshThreadWithoutASchedule() {
        RotationEngine engine = start("unscheduled", new MutableSource(CredentialSet.of(OLD)),
                RotationConfig.ofDefaults());
        try {
            assertThat(threadAlive("dualcred-unscheduled-refresh")).isFalse();
        } finally {
            engine.close();
        }
    }

    @Test
    void theMBeanShowsTheStateAndIsRemovedOnClose() throws Exception {
        FakeServer server = new FakeServer().accept(NEW);
        RotationEngine engine = start("jmx-pool", new MutableSource(CredentialSet.of(OLD, NEW)),
                RotationConfig.ofDefaults());
        ObjectName name = engine.registerMBean();
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        try {
            engine.openWithFallback(server::open);

            assertThat(name.toString()).isEqualTo("io.dualcred:type=Rotation,name=\"jmx-pool\"");
            assertThat(mbeans.getAttribute(name, "ActiveSlot")).isEqualTo("NEXT");
            assertThat(mbeans.getAttribute(name, "ActiveUsername")).isEqualTo("app");
            assertThat(mbeans.getAttribute(name, "Switches")).isEqualTo(1L);
            assertThat(mbeans.getAttribute(name, "SourceRevision")).isEqualTo(CredentialSet.of(OLD, NEW).revision());
            mbeans.invoke(name, "evictConnections", null, null);
            assertThat(evictor.generations()).containsExactly(1L, 2L);
        } finally {
            engine.close();
        }
        assertThat(mbeans.isRegistered(name)).isFalse();
    }

    @Test
    void configurationErrorsNameTheField() {
        assertThatThrownBy(() -> RotationConfig.custom().backoff(Duration.ZERO, 2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff initial interval");
        assertThatThrownBy(() -> RotationConfig.custom().backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff multiplier");
        assertThatThrownBy(() -> RotationConfig.custom().backoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff max interval");
        assertThatThrownBy(() -> RotationConfig.custom().loginRetryBudget(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loginRetryBudget");
        assertThatThrownBy(() -> RotationConfig.custom().refreshInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refreshInterval");
    }

    @Test
    void aConfigCanBeCopiedAndChanged() {
        RotationListener listener = event -> { };
        RotationConfig base = RotationConfig.custom().loginRetryBudget(Duration.ofSeconds(3)).listener(listener)
                .build();

        RotationConfig copy = RotationConfig.from(base).refreshInterval(Duration.ofMinutes(1)).build();

        assertThat(copy.loginRetryBudget()).isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.listeners()).containsExactly(listener);
        assertThat(copy.refreshInterval()).contains(Duration.ofMinutes(1));
        assertThat(base.refreshInterval()).isEmpty();
        assertThat(RotationConfig.ofDefaults().backoff().apply(1)).isEqualTo(1000L);
        assertThat(RotationConfig.ofDefaults().backoff().apply(10)).isEqualTo(30_000L);
    }
}
