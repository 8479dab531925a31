package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.testservers.PostgresServer;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, test 5: through start-up, a rotation, every credential rejected and a failed start, no password appears in
 * a log line (captured at DEBUG for dualcred and HikariCP), an exception, an event or a JMX attribute.
 */
class RedactionTest {

    private static final List<String> DEBUG_LOGGERS = List.of("io.dualcred", "com.zaxxer.hikari");

    private final PostgresServer server = PostgresServer.shared();
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final List<Level> savedLevels = new ArrayList<>();

    /** Everything reaches the capture; the DEBUG lines of dualcred and HikariCP go only there, not to the console. */
    @BeforeEach
    void captureLogsAtDebug() {
        captured.start();
        root().addAppender(captured);
        for (String name : DEBUG_LOGGERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            savedLevels.add(logger.getLevel());
            logger.setLevel(Level.DEBUG);
            logger.addAppender(captured);
            logger.setAdditive(false);
        }
    }

    @AfterEach
    void restoreLogging() {
        for (int i = 0; i < DEBUG_LOGGERS.size(); i++) {
            Logger logger = (Logger) LoggerFactory.getLogger(DEBUG_LOGGERS.get(i));
            logger.setAdditive(true);
            logger.detachAppender(captured);
            logger.setLevel(savedLevels.get(i));
        }
        root().detachAppender(captured);
    }

    @Test
    void noPasswordAppearsInLogsExceptionsEventsOrJmx() throws Exception {
        String role = Fixtures.uniqueRole("redaction");
        String current = "SENTINEL-current-" + Fixtures.password();
        String next = "SENTINEL-next-" + Fixtures.password();
        String revoked = "SENTINEL-revoked-" + Fixtures.password();
        List<String> sentinels = List.of(current, next, revoked);
        server.createLoginRole(role, current);
        AtomicReference<CredentialSet> secrets = new AtomicReference<>(
                CredentialSet.of(Credential.of(role, current), Credential.of(role, next)));
        List<RotationEvent> events = new CopyOnWriteArrayList<>();
        List<String> exposed = new ArrayList<>();

        try (DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("redaction")
                .maximumPoolSize(2)
                .connectionTimeout(Duration.ofSeconds(2))
                .registerMbeans(true)
                .dataSourceProperty("ApplicationName", "redaction-test")
                .credentialSource(Fixtures.mutableSource("redaction", secrets))
                .rotation(RotationConfig.custom().backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1)).build())
                .listener(events::add)
                .build()) {
            selectOne(dataSource);
            exposed.addAll(jmxAttributes());

            // Rotation: CURRENT rejected, NEXT accepted.
            server.setPassword(role, next);
            dataSource.evictConnections();
            selectOne(dataSource);
            await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.status().counters().switches() == 1);
            exposed.addAll(jmxAttributes());

            // Every credential rejected.
            server.setPassword(role, revoked);
            // Connections expire as at maxLifetime: new logins are needed and every credential is rejected.
            dataSource.getHikariPoolMXBean().softEvictConnections();
            await().atMost(Duration.ofSeconds(30)).until(() -> dataSource.getHikariPoolMXBean().getTotalConnections() == 0);
            Throwable rejected = catchThrowable(() -> selectOne(dataSource));
            assertThat(rejected).isInstanceOf(SQLException.class);
            exposed.add(Fixtures.describe(rejected));
            exposed.addAll(jmxAttributes());
            exposed.add(dataSource.toString());
            exposed.add(dataSource.status().toString());
        }

        // A start-up in which every credential is rejected.
        Throwable failedStart = catchThrowable(() -> DualCredentialDataSource.builder()
                .jdbcUrl(server.jdbcUrl())
                .poolName("redaction-start")
                .credentialSource(Fixtures.mutableSource("redaction-start", secrets))
                .build());
        assertThat(failedStart).isNotNull();
        exposed.add(Fixtures.describe(failedStart));

        events.forEach(event -> exposed.add(event.toString()));
        for (ILoggingEvent event : captured.list) {
            exposed.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                exposed.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        }

        assertThat(String.join("\n", exposed))
                .as("the capture saw the rotation")
                .contains("switched credentials", "rejected every credential", role);
        for (String sentinel : sentinels) {
            assertThat(exposed).noneMatch(text -> text.contains(sentinel));
        }
    }

    private static void selectOne(DualCredentialDataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.createStatement().execute("SELECT 1");
        }
    }

    /** @return every attribute of the dualcred and HikariCP MBeans, as text */
    private static List<String> jmxAttributes() throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        List<String> values = new ArrayList<>();
        for (String domain : List.of("io.dualcred", "com.zaxxer.hikari")) {
            for (ObjectName name : mbeans.queryNames(new ObjectName(domain + ":*"), null)) {
                for (MBeanAttributeInfo attribute : mbeans.getMBeanInfo(name).getAttributes()) {
                    if (attribute.isReadable()) {
                        values.add(name + " " + attribute.getName() + "=" + mbeans.getAttribute(name, attribute.getName()));
                    }
                }
            }
        }
        assertThat(values).as("MBeans found").anyMatch(value -> value.startsWith("io.dualcred:type=Rotation"));
        return values;
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
