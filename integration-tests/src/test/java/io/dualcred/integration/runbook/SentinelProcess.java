package io.dualcred.integration.runbook;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.util.SafeEncoder;
import redis.embedded.core.ExecutableProvider;

/**
 * A Redis Sentinel monitoring one primary, run from the Redis binary that embedded-redis ships (the one the
 * embedded test servers use). {@code down-after-milliseconds} is long, so that a Sentinel that cannot log in marks
 * its link {@code disconnected} without declaring the primary down and starting a failover during a test.
 */
final class SentinelProcess implements AutoCloseable {

    private final Path directory;
    private final int port;
    private final Process process;

    private SentinelProcess(Path directory, int port, Process process) {
        this.directory = directory;
        this.port = port;
        this.process = process;
    }

    /**
     * @param masterName the name the primary is monitored under
     * @param host the primary's host
     * @param primaryPort its port
     * @param authPass the password Sentinel logs in to the primary with
     * @return a Sentinel that answers PING
     */
    static SentinelProcess start(String masterName, String host, int primaryPort, String authPass) {
        try {
            Path root = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(root);
            Path directory = Files.createTempDirectory(root, "sentinel-");
            File binary = ExecutableProvider.newJarResourceProvider(directory.toFile()).get();
            int port = freePort();
            String address = InetAddress.getByName(host).getHostAddress();
            // Sentinel parses its configuration like redis-cli parses a line: the same quoting applies.
            Files.writeString(directory.resolve("sentinel.conf"), String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir ./",
                    "sentinel monitor " + masterName + " " + address + " " + primaryPort + " 1",
                    "sentinel down-after-milliseconds " + masterName + " 60000",
                    "sentinel auth-pass " + masterName + " \"" + RedisScript.escape(authPass) + "\"",
                    ""), StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(binary.getAbsolutePath(), "sentinel.conf", "--sentinel")
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(directory.resolve("sentinel.log").toFile()))
                    .start();
            SentinelProcess sentinel = new SentinelProcess(directory, port, process);
            try {
                await("Sentinel to answer on port " + port).atMost(Fleet.PATIENCE)
                        .ignoreExceptions()
                        .until(() -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException("Sentinel exited:\n" + sentinel.log());
                            }
                            return "PONG".equals(sentinel.execute("PING"));
                        });
            } catch (RuntimeException e) {
                sentinel.close();
                throw new IllegalStateException("Sentinel did not start:\n" + sentinel.log(), e);
            }
            return sentinel;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a Sentinel", e);
        }
    }

    /** Sends one command on a fresh connection; bulk replies come back as strings, arrays as lists. */
    Object execute(String... command) {
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .timeoutMillis(10_000)
                .build())) {
            ProtocolCommand name = () -> SafeEncoder.encode(command[0]);
            return decode(jedis.sendCommand(name, Arrays.copyOfRange(command, 1, command.length)));
        }
    }

    String log() {
        try {
            return Files.readString(directory.resolve("sentinel.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static Object decode(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            List<Object> decoded = new ArrayList<>();
            list.forEach(element -> decoded.add(decode(element)));
            return decoded;
        }
        return reply;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
