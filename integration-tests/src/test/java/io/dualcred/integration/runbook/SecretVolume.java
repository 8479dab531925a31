package io.dualcred.integration.runbook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A secret directory updated the way the kubelet updates a Kubernetes secret volume: the new content is written to
 * a fresh hidden directory, the {@code ..data} link is switched to it by an atomic rename, then the per-key links
 * are added or removed and the old directory is deleted. One instance of a service reads one volume.
 */
final class SecretVolume {

    private static final String DATA = "..data";

    private final Path directory;
    private Map<String, String> content = Map.of();
    private int version;

    private SecretVolume(Path directory) {
        this.directory = directory;
    }

    static SecretVolume create(String name) {
        try {
            Path root = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(root);
            return new SecretVolume(Files.createTempDirectory(root, "secret-" + name + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path directory() {
        return directory;
    }

    /** Holds only CURRENT. */
    SecretVolume current(String user, String password) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("USER", user);
        keys.put("PASSWORD_CURRENT", password);
        return write(keys);
    }

    /** Adds NEXT to the CURRENT it holds; {@code nextUser} only when it differs (alternating roles). */
    SecretVolume stage(String nextUser, String nextPassword) {
        Map<String, String> keys = new LinkedHashMap<>(content);
        keys.put("PASSWORD_NEXT", nextPassword);
        if (nextUser != null) {
            keys.put("USER_NEXT", nextUser);
        }
        return write(keys);
    }

    /** Drops NEXT, keeping CURRENT. */
    SecretVolume unstage() {
        Map<String, String> keys = new LinkedHashMap<>(content);
        keys.remove("PASSWORD_NEXT");
        keys.remove("USER_NEXT");
        return write(keys);
    }

    /** Makes NEXT the CURRENT and removes the NEXT keys. */
    SecretVolume promote() {
        String user = content.getOrDefault("USER_NEXT", content.get("USER"));
        return current(user, content.get("PASSWORD_NEXT"));
    }

    private synchronized SecretVolume write(Map<String, String> keys) {
        try {
            Path fresh = directory.resolve("..v" + (++version));
            Files.createDirectory(fresh);
            for (Map.Entry<String, String> key : keys.entrySet()) {
                Files.write(fresh.resolve(key.getKey()), key.getValue().getBytes(StandardCharsets.UTF_8));
            }
            Path link = directory.resolve(DATA + "_tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, fresh.getFileName());
            Path previous = Files.isSymbolicLink(directory.resolve(DATA))
                    ? directory.resolve(Files.readSymbolicLink(directory.resolve(DATA))) : null;
            Files.move(link, directory.resolve(DATA), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            for (String key : keys.keySet()) {
                Path visible = directory.resolve(key);
                if (!Files.isSymbolicLink(visible)) {
                    Files.createSymbolicLink(visible, Path.of(DATA, key));
                }
            }
            for (String key : content.keySet()) {
                if (!keys.containsKey(key)) {
                    Files.delete(directory.resolve(key));
                }
            }
            if (previous != null) {
                deleteTree(previous);
            }
            content = Map.copyOf(keys);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the secret volume " + directory, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
