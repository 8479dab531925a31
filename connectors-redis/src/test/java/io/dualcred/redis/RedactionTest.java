package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.secret;
import static io.dualcred.redis.RedisFixtures.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.dualcred.redis.RedisFixtures.MutableSource;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * No password reaches a log line (at any level, from any logger), an exception, an event, the status or a JMX
 * attribute, through a fallback, a switch, an eviction and a round in which every credential is rejected.
 */
class RedactionTest {

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Level rootLevel;

    @BeforeEach
    void captureEveryLogLine() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        LoggerContext context = root.getLoggerContext();
        rootLevel = root.getLevel();
        root.setLevel(Level.ALL);
        context.getLogger("io.dualcred").setLevel(Level.ALL);
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void restoreLogging() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(captured);
        root.setLevel(rootLevel);
        root.getLoggerContext().getLogger("io.dualcred").setLevel(Level.INFO);
    }

    @Test
    void noPasswordAppearsInLogsExceptionsEventsStatusOrJmx() throws Exception {
        RedisServer server = RedisServer.shared();
        String user = uniqueUser("app");
        String current = secret("current");
        String next = secret("next");
        String wrongCurrent = secret("wrong-current");
        String wrongNext = secret("wrong-next");
        List<String> secrets = List.of(current, next, wrongCurrent, wrongNext);
        server.setUser(user, next);
        MutableSource source = new MutableSource(Credential.of(user, current));
        source.set(Credential.of(user, current), Credential.of(user, next));
        List<RotationEvent> events = new CopyOnWriteArrayList<>();
        List<String> texts = new ArrayList<>();

        try (DualCredentialJedisPool pool = RedisFixtures.builder(server, source)
                .poolName("redaction-" + user)
                .registerMBean(true)
                .listener(events::add)
                .buildPool()) {
            try (Jedis jedis = pool.getResource()) {
                jedis.set(user, "value");
            }
            texts.add(pool.rotation().status().toString());
            texts.add(pool.toString());
            texts.addAll(jmxAttributes(new ObjectName("io.dualcred:type=Rotation,name=" + ObjectName.quote(
                    pool.rotation().poolName()))));
            texts.addAll(jmxAttributes(new ObjectName("org.apache.commons.pool2:*")));

            Throwable rejected;
            Throwable fastRejected;
            try (Jedis held = pool.getResource()) {   // the idle connection is busy: the next borrow logs in
                server.setUser(user, secret("elsewhere"));
                source.set(Credential.of(user, wrongCurrent), Credential.of(user, wrongNext));
                rejected = catchThrowable(pool::getResource);
                fastRejected = catchThrowable(pool::getResource);
            }
            assertThat(rejected).isInstanceOf(RedisCredentialsRejectedException.class);
            assertThat(fastRejected).isInstanceOf(RedisCredentialsRejectedException.class);
            texts.add(stackTrace(rejected));
            texts.add(stackTrace(fastRejected));
            texts.add(pool.rotation().status().toString());
        }
        events.forEach(event -> texts.add(event.toString()));
        for (ILoggingEvent line : captured.list) {
            texts.add(line.getFormattedMessage());
            if (line.getThrowableProxy() != null) {
                texts.add(ThrowableProxyUtil.asString(line.getThrowableProxy()));
            }
        }

        assertThat(events).hasAtLeastOneElementOfType(RotationEvent.CredentialSwitched.class)
                .hasAtLeastOneElementOfType(RotationEvent.AllRejected.class);
        assertThat(captured.list).isNotEmpty();
        assertThat(String.join("\n", texts)).contains(user).doesNotContain(secrets.toArray(String[]::new));
    }

    /**
     * The same on a Redis Cluster: a fallback on every node pool's first login, the switch, a node that rejects
     * everything, and the client's own texts. The cluster clients need Jedis 7.2.0 or later (hence the tag the
     * version-range build leaves out).
     */
    @Test
    @Tag("jedis-redis-client")
    void noPasswordAppearsInTheLogsOrErrorsOfAClusterClient() throws Exception {
        String user = uniqueUser("clustered");
        String current = secret("current");
        String next = secret("next");
        String elsewhere = secret("elsewhere");
        List<String> texts = new ArrayList<>();
        try (RedisClusterTopology cluster = RedisClusterTopology.startNew()) {
            cluster.setUser(user, next);
            MutableSource source = new MutableSource(Credential.of(user, current));
            source.set(Credential.of(user, current), Credential.of(user, next));
            try (DualCredentialJedisCluster client = DualCredentialRedis.builder().credentialSource(source)
                    .poolName("redaction-" + user).cluster(cluster.addresses()).buildJedisCluster()) {
                for (int i = 0; i < 100; i++) {
                    client.set(user + "{" + i + "}", "value");
                }
                RedisServer forgotten = cluster.primaries().get(0);
                forgotten.setUser(user, elsewhere);
                forgotten.killClientsOfUser(user);
                Throwable rejected = null;
                for (int i = 0; rejected == null && i < 1_000; i++) {
                    String key = user + "{" + i + "}";
                    rejected = catchThrowable(() -> client.get(key));
                }
                assertThat(rejected).as("a command for the forgotten node's slots").isNotNull();
                texts.add(stackTrace(rejected));
                texts.add(client.toString());
                texts.add(client.rotation().status().toString());
            }
        }
        for (ILoggingEvent line : captured.list) {
            texts.add(line.getFormattedMessage());
            if (line.getThrowableProxy() != null) {
                texts.add(ThrowableProxyUtil.asString(line.getThrowableProxy()));
            }
        }
        assertThat(String.join("\n", texts)).contains(user).doesNotContain(current, next, elsewhere);
    }

    private static List<String> jmxAttributes(ObjectName pattern) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> values = new ArrayList<>();
        for (ObjectName name : server.queryNames(pattern, null)) {
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                if (attribute.isReadable()) {
                    try {
                        values.add(attribute.getName() + "=" + server.getAttribute(name, attribute.getName()));
                    } catch (Exception unreadable) {
                        values.add(attribute.getName() + " unreadable: " + unreadable);
                    }
                }
            }
        }
        assertThat(values).as("attributes of " + pattern).isNotEmpty();
        return values;
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter text = new StringWriter();
        thrown.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
