package io.dualcred.testservers;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Chooses how {@link PostgresServer} and {@link RedisServer} run their servers.
 *
 * <p>The system property {@value #PROPERTY} selects the kind:
 * <ul>
 *   <li>{@code auto} (the default): Testcontainers when a Docker engine answers, embedded binaries otherwise;</li>
 *   <li>{@code embedded}: PostgreSQL and Redis binaries shipped in Maven Central artifacts, run as local processes;</li>
 *   <li>{@code containers}: Docker containers through Testcontainers; fails when no Docker engine is reachable.</li>
 * </ul>
 * A server that cannot start throws an exception that says why: tests are never skipped.
 */
public final class TestServers {

    /** The system property that selects the {@link Kind}: {@code auto}, {@code embedded} or {@code containers}. */
    public static final String PROPERTY = "dualcred.testservers";

    /** How the servers run. */
    public enum Kind {
        /** Local processes from the zonky PostgreSQL binaries and the embedded-redis binary. */
        EMBEDDED,
        /** Docker containers started through Testcontainers. */
        CONTAINERS
    }

    private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);

    private static final Support.Once<Kind> KIND = new Support.Once<>(() -> {
        String requested = System.getProperty(PROPERTY, "auto");
        Kind kind = resolve(requested);
        LOG.info("dualcred test servers: {} ({}={})", kind, PROPERTY, requested);
        return kind;
    });

    private TestServers() {
    }

    /**
     * The kind of server this JVM uses, decided once from {@value #PROPERTY}.
     *
     * @return the kind
     * @throws IllegalArgumentException if the property has an unknown value
     * @throws IllegalStateException if containers were requested and no Docker engine is reachable
     */
    public static Kind kind() {
        return KIND.get();
    }

    /** The kind for a value of {@value #PROPERTY}; asks Docker unless the value is {@code embedded}. */
    static Kind resolve(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "embedded":
                return Kind.EMBEDDED;
            case "containers":
                try {
                    DockerClientFactory.instance().client();
                } catch (RuntimeException e) {
                    throw new IllegalStateException(
                            "containers requested (" + PROPERTY + "=containers) but no Docker engine: " + e.getMessage(), e);
                }
                return Kind.CONTAINERS;
            case "":
            case "auto":
                return DockerClientFactory.instance().isDockerAvailable() ? Kind.CONTAINERS : Kind.EMBEDDED;
            default:
                throw new IllegalArgumentException(
                        PROPERTY + " must be auto, embedded or containers, not '" + value + "'");
        }
    }
}
