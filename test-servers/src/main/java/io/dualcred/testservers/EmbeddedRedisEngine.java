package io.dualcred.testservers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;

import redis.embedded.core.ExecutableProvider;

/**
 * Redis from the embedded-redis artifact (Redis 6.2 for Linux x86-64), run as a local process whose directory holds
 * its configuration, ACL file and log. Only the binary comes from embedded-redis; the process is managed here so
 * that its output goes to the log file and a restart reuses the same files.
 */
final class EmbeddedRedisEngine extends LocalEngine {

    private static File binary;

    private Process process;
    /** {@code --sentinel} for a Sentinel, else nothing. */
    private final boolean sentinel;
    /** The TLS port and identity, or {@code 0} and {@code null} for a server without TLS. */
    private final int tlsPort;
    private final SelfSignedTls tls;

    EmbeddedRedisEngine(String adminPassword) {
        this(adminPassword, false);
    }

    /**
     * @param adminPassword the admin user's password
     * @param withTls whether to listen with TLS on a second port as well, with a self-signed certificate for
     *     {@code 127.0.0.1}; the first port stays plain, for the admin connection
     */
    EmbeddedRedisEngine(String adminPassword, boolean withTls) {
        super("Redis", "127.0.0.1", "redis.log");
        this.sentinel = false;
        this.tls = withTls ? SelfSignedTls.createIn(root) : null;
        this.tlsPort = withTls ? Support.freePort() : 0;
        String configuration = RedisServer.configuration(port(), host());
        if (withTls) {
            configuration += String.join("\n",
                    "tls-port " + tlsPort,
                    "tls-cert-file " + SelfSignedTls.CERTIFICATE_FILE,
                    "tls-key-file " + SelfSignedTls.KEY_FILE,
                    "tls-ca-cert-file " + SelfSignedTls.CERTIFICATE_FILE,
                    "tls-auth-clients no",
                    "");
        }
        Support.write(root.resolve("redis.conf"), configuration);
        Support.write(root.resolve("users.acl"), RedisServer.initialUsers(adminPassword));
    }

    /**
     * A member of a topology ({@link RedisSentinelTopology}, {@link RedisClusterTopology}): the usual configuration
     * and users plus the topology's own lines, on a port the topology chose.
     *
     * @param name names the directory and log messages, e.g. {@code Redis-sentinel}
     * @param port the port
     * @param extraConfiguration lines appended to the configuration file
     * @param users the whole ACL file ({@code null} for a Sentinel, whose users live in its configuration file)
     * @param sentinel whether to run in Sentinel mode ({@code --sentinel})
     */
    EmbeddedRedisEngine(String name, int port, String extraConfiguration, String users, boolean sentinel) {
        super(name, "127.0.0.1", port, "redis.log");
        this.sentinel = sentinel;
        this.tls = null;
        this.tlsPort = 0;
        String configuration = sentinel
                ? String.join("\n", "port " + port, "bind " + host(), "protected-mode no", "daemonize no", "dir ./",
                        "logfile \"\"", "")
                : RedisServer.configuration(port, host());
        Support.write(root.resolve("redis.conf"), configuration + extraConfiguration);
        if (users != null) {
            Support.write(root.resolve("users.acl"), users);
        }
    }

    /** @return whether this is a Sentinel */
    boolean isSentinel() {
        return sentinel;
    }

    /** @return the TLS port, or {@code 0} if this server has none */
    int tlsPort() {
        return tlsPort;
    }

    /** @return the TLS identity, or {@code null} if this server has none */
    SelfSignedTls tls() {
        return tls;
    }

    /** The binary, copied once per JVM into a temporary directory that is removed when the JVM exits. */
    private static synchronized File binary() throws IOException {
        if (binary == null || !binary.canExecute()) {
            Path directory = Support.newTempDirectory("dualcred-redis-bin-");
            directory.toFile().deleteOnExit();
            binary = ExecutableProvider.newJarResourceProvider(directory.toFile()).get();
        }
        return binary;
    }

    @Override
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            ProcessBuilder command = sentinel
                    ? new ProcessBuilder(binary().getAbsolutePath(), "redis.conf", "--sentinel")
                    : new ProcessBuilder(binary().getAbsolutePath(), "redis.conf");
            process = command
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(failure("did not start"), e);
        }
    }

    /** SIGTERM: Redis shuts down cleanly (nothing to save, as {@code save ""} is set); SIGKILL after 10 s. */
    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Support.terminate(process);
        process = null;
    }

    @Override
    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }
}
