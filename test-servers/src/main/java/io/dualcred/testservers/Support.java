package io.dualcred.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Small helpers shared by the servers: temporary directories, free ports, secrets and waiting. */
final class Support {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private Support() {
    }

    /** A condition polled by {@link #await}; it may throw, which counts as "not yet" unless it is a {@link GiveUp}. */
    @FunctionalInterface
    interface Probe {
        boolean ready() throws Exception;
    }

    /** Thrown by a {@link Probe} when waiting longer is pointless. */
    static final class GiveUp extends RuntimeException {
        GiveUp(String message) {
            super(message);
        }
    }

    /**
     * A value made once, on first use. A failure is remembered too: later calls fail at once with the same reason
     * instead of trying again (a server that did not start for the first test will not for the next one either).
     */
    static final class Once<T> {
        private final Supplier<T> factory;
        private T value;
        private RuntimeException failure;

        Once(Supplier<T> factory) {
            this.factory = factory;
        }

        synchronized T get() {
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            if (value == null) {
                try {
                    value = factory.get();
                } catch (RuntimeException e) {
                    failure = e;
                    throw e;
                }
            }
            return value;
        }
    }

    /** A new directory under {@code java.io.tmpdir} (the build's {@code target/tmp} under Surefire). */
    static Path newTempDirectory(String prefix) {
        try {
            Path base = Paths.get(System.getProperty("java.io.tmpdir")).toAbsolutePath();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    /** Deletes a directory tree; missing files are ignored. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** A TCP port that was free a moment ago. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port", e);
        }
    }

    /** A random password of letters and digits, safe in any configuration file. */
    static String randomSecret(int length) {
        StringBuilder secret = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            secret.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return secret.toString();
    }

    static void write(Path file, String text) {
        try {
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The file's text, decoded leniently as UTF-8; empty if it does not exist. */
    static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Ends a process: SIGTERM, then SIGKILL if it still runs after 10 s. */
    static void terminate(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The last lines of a text, for error messages. */
    static String tail(String text, int lines) {
        String[] all = text.split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", Arrays.asList(all).subList(from, all.length));
    }

    /**
     * Polls {@code probe} every 50 ms until it returns true.
     *
     * @throws IllegalStateException after {@code timeout}, naming {@code what} and the last failure
     */
    static void await(String what, Duration timeout, Probe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (probe.ready()) {
                    return;
                }
                last = null;
            } catch (GiveUp e) {
                throw new IllegalStateException("stopped waiting for " + what + ": " + e.getMessage(), e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                String cause = last == null ? "" : ": " + last;
                throw new IllegalStateException("gave up after " + timeout.toMillis() + " ms waiting for " + what + cause, last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
