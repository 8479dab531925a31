package io.dualcred.testservers;

import java.time.Duration;
import java.util.List;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A server in a Docker container, through Testcontainers. The host port is fixed when the container is created, so
 * that {@link #stop()} and {@link #start()} (docker stop and docker start of the same container) keep it and the
 * container's files.
 */
final class ContainerEngine implements ServerEngine {

    static final DockerImageName POSTGRES_IMAGE = DockerImageName.parse("postgres:18");
    static final DockerImageName REDIS_IMAGE = DockerImageName.parse("redis:6.2");
    private static final String REDIS_CONFIG = "/usr/local/etc/redis/redis.conf";

    private final GenericContainer<?> container;
    private final int port;
    private boolean created;
    private boolean running;

    private ContainerEngine(GenericContainer<?> container, int containerPort, String readyLogLine, int readyTimes) {
        this.port = Support.freePort();
        this.container = container.waitingFor(Wait.forLogMessage(".*" + readyLogLine + ".*\\s", readyTimes)
                .withStartupTimeout(Duration.ofMinutes(2)));
        container.setPortBindings(List.of(port + ":" + containerPort));
    }

    /**
     * PostgreSQL: the official image's {@code POSTGRES_HOST_AUTH_METHOD} makes every TCP connection use SCRAM; the
     * image logs "ready" once for its init server and once for the real one.
     */
    static ContainerEngine postgres(String superuserPassword) {
        GenericContainer<?> container = new GenericContainer<>(POSTGRES_IMAGE)
                .withEnv("POSTGRES_USER", PostgresServer.SUPERUSER)
                .withEnv("POSTGRES_PASSWORD", superuserPassword)
                .withEnv("POSTGRES_DB", PostgresServer.DATABASE)
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
                .withCommand("postgres", "-c", "password_encryption=scram-sha-256", "-c", "log_connections=on",
                        "-c", "lc_messages=C", "-c", "fsync=off", "-c", "max_connections=600");
        return new ContainerEngine(container, 5432, "database system is ready to accept connections", 2);
    }

    /** Redis: the same configuration and ACL file as the embedded server, in the container's {@code /data}. */
    static ContainerEngine redis(String adminPassword) {
        GenericContainer<?> container = new GenericContainer<>(REDIS_IMAGE)
                .withCopyToContainer(Transferable.of(RedisServer.configuration(6379, "0.0.0.0")), REDIS_CONFIG)
                .withCopyToContainer(Transferable.of(RedisServer.initialUsers(adminPassword)), "/data/users.acl")
                .withCommand("redis-server", REDIS_CONFIG);
        return new ContainerEngine(container, 6379, "Ready to accept connections", 1);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (created) {
            container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
        } else {
            container.start();
            created = true;
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        if (running) {
            container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(10).exec();
            running = false;
        }
    }

    @Override
    public synchronized void destroy() {
        container.stop();
        running = false;
    }

    @Override
    public synchronized boolean isAlive() {
        return running && container.isRunning();
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String serverLog() {
        return created ? container.getLogs() : "";
    }

    @Override
    public String toString() {
        return "container " + container.getDockerImageName() + " on port " + port;
    }
}
