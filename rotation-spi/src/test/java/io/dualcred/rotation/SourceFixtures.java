package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Helpers shared by the credential-source tests: a settable clock and secret directories as tools write them. */
final class SourceFixtures {

    static final String SENTINEL = "S3ntinel-pw-XYZ";

    private SourceFixtures() {
    }

    /** The four keys with a CURRENT and, when {@code nextPassword} is non-null, a NEXT password. */
    static Map<String, String> keys(String user, String password, String nextPassword) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("USER", user);
        keys.put("PASSWORD_CURRENT", password);
        if (nextPassword != null) {
            keys.put("PASSWORD_NEXT", nextPassword);
        }
        return keys;
    }

    /** Writes one plain file per key, each followed by a newline as {@code echo} would. */
    static void writePlainFiles(Path directory, Map<String, String> keys) throws IOException {
        Files.createDirectories(directory);
        for (Map.Entry<String, String> key : keys.entrySet()) {
            Files.writeString(directory.resolve(key.getKey()), key.getValue() + "\n");
        }
    }

    /** Replaces a file the way Vault Agent does: write a temporary file beside it, then rename it over the old one. */
    static void renameIntoPlace(Path directory, String key, String value) throws IOException {
        Path temporary = directory.resolve("." + key + ".tmp");
        Files.writeString(temporary, value);
        Files.move(temporary, directory.resolve(key), StandardCopyOption.ATOMIC_MOVE);
    }

    static void setModified(Path file, Instant when) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(when));
    }

    /** Rewrites a file in place, dated {@code modified}; unchecked, for use inside a sleeper. */
    static void rewrite(Path file, String content, Instant modified) {
        try {
            Files.writeString(file, content);
            setModified(file, modified);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Lays the directory out as the kubelet does: {@code KEY -> ..data/KEY}, {@code ..data -> <snapshot>}, where
     * the snapshot is a directory holding the real files.
     */
    static void kubernetesVolume(Path directory, String snapshot, Map<String, String> keys) throws IOException {
        Files.createDirectories(directory);
        writeSnapshot(directory, snapshot, keys);
        Files.createSymbolicLink(directory.resolve("..data"), Path.of(snapshot));
        for (String key : keys.keySet()) {
            Files.createSymbolicLink(directory.resolve(key), Path.of("..data", key));
        }
    }

    /** The kubelet's update: a new snapshot, a {@code ..data_tmp} link to it, renamed over {@code ..data}. */
    static void swapData(Path directory, String snapshot, Map<String, String> keys) throws IOException {
        writeSnapshot(directory, snapshot, keys);
        Path temporaryLink = Files.createSymbolicLink(directory.resolve("..data_tmp"), Path.of(snapshot));
        Files.move(temporaryLink, directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var children = Files.list(path)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    deleteRecursively(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    private static void writeSnapshot(Path directory, String snapshot, Map<String, String> keys) throws IOException {
        Path target = Files.createDirectory(directory.resolve(snapshot));
        for (Map.Entry<String, String> key : keys.entrySet()) {
            Files.writeString(target.resolve(key.getKey()), key.getValue());
        }
    }

    /** Loads, or returns {@code null} when the load fails; for watch listeners, which must not throw. */
    static CredentialSet loadOrNull(CredentialSource source) {
        try {
            return source.load();
        } catch (Exception e) {
            return null;
        }
    }

    /** Waits for a condition with a deadline, yielding in between; for states no latch can signal. */
    static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            Thread.yield();
        }
    }
}
