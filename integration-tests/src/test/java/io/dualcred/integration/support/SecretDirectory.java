package io.dualcred.integration.support;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
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
 * A secret directory as a Kubernetes secret volume lays it out: each key ({@code USER}, {@code PASSWORD_CURRENT},
 * {@code PASSWORD_NEXT}, {@code USER_NEXT}) is a link into {@code ..data}, a link to a hidden directory holding
 * one version of the content; an update writes a new hidden directory, then renames a new {@code ..data} link over
 * the old one. The scenarios also break it in the ways real volumes break.
 */
public final class SecretDirectory {

    private static final String DATA = "..data";

    private final Path directory;
    private Map<String, String> content = Map.of();
    private int version;

    private SecretDirectory(Path directory) {
        this.directory = directory;
    }

    /**
     * @param label becomes part of the directory name, and so of the name of the thread that watches it
     * @return a new, empty directory under {@code java.io.tmpdir}
     */
    public static SecretDirectory create(String label) {
        try {
            Path root = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(root);
            return new SecretDirectory(Files.createTempDirectory(root, "secrets-" + label + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the directory */
    public Path path() {
        return directory;
    }

    /** @return its name, which names the watch thread {@code dualcred-watch-<name>} */
    public String name() {
        return directory.getFileName().toString();
    }

    /** @return the built-in source reading it, resolved from its {@code file:} URI */
    public CredentialSource source() {
        return CredentialSources.fromUri("file:" + directory);
    }

    /**
     * Publishes CURRENT only.
     *
     * @param user {@code USER}
     * @param password {@code PASSWORD_CURRENT}
     * @return this directory
     */
    public SecretDirectory holdCurrent(String user, String password) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("USER", user);
        keys.put("PASSWORD_CURRENT", password);
        return publish(keys);
    }

    /**
     * Publishes NEXT next to the CURRENT it holds.
     *
     * @param nextUser {@code USER_NEXT}, or {@code null} for the same user
     * @param nextPassword {@code PASSWORD_NEXT}
     * @return this directory
     */
    public SecretDirectory stageNext(String nextUser, String nextPassword) {
        Map<String, String> keys = new LinkedHashMap<>(content);
        keys.put("PASSWORD_NEXT", nextPassword);
        if (nextUser != null) {
            keys.put("USER_NEXT", nextUser);
        }
        return publish(keys);
    }

    /**
     * Publishes exactly these keys, as one atomic update of the volume.
     *
     * @param keys key to value; values are written as UTF-8 followed by a line break, as {@code echo} would
     * @return this directory
     */
    public SecretDirectory publish(Map<String, String> keys) {
        try {
            Files.createDirectories(directory);
            Path target = writeVersion(keys);
            Path newLink = directory.resolve("..data_tmp");
            Files.deleteIfExists(newLink);
            Files.createSymbolicLink(newLink, target.getFileName());
            Path oldTarget = Files.isSymbolicLink(directory.resolve(DATA))
                    ? directory.resolve(Files.readSymbolicLink(directory.resolve(DATA))) : null;
            Files.move(newLink, directory.resolve(DATA), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            for (String key : keys.keySet()) {
                Path link = directory.resolve(key);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of(DATA, key));
                }
            }
            for (String key : content.keySet()) {
                if (!keys.containsKey(key)) {
                    Files.deleteIfExists(directory.resolve(key));
                }
            }
            if (oldTarget != null) {
                deleteTree(oldTarget);
            }
            content = Map.copyOf(keys);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first half of an update: the new version's directory is written, but with only some of its files and
     * the last of them cut short, and {@code ..data} still points at the old version, as when the writer dies
     * half-way.
     *
     * @param keys the complete new content; only its first keys are written, the last of those half
     */
    public void writeHalfOfAnUpdate(Map<String, String> keys) {
        Map<String, String> half = new LinkedHashMap<>();
        int count = 0;
        for (Map.Entry<String, String> entry : keys.entrySet()) {
            if (++count > Math.max(1, keys.size() / 2)) {
                break;
            }
            half.put(entry.getKey(), entry.getValue());
        }
        String lastKey = half.keySet().stream().reduce((first, second) -> second).orElseThrow();
        String lastValue = half.get(lastKey);
        half.put(lastKey, lastValue.substring(0, lastValue.length() / 2));
        try {
            writeVersion(half);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes every entry, leaving the directory empty. */
    public void empty() {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.toList()) {
                deleteTree(entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes one key unreadable: its file becomes a directory, which fails to read whatever the permissions (the
     * suite may run as root, for whom file modes do not matter).
     *
     * @param key the key
     */
    public void makeUnreadable(String key) {
        try {
            Path file = directory.resolve(Files.readSymbolicLink(directory.resolve(DATA))).resolve(key);
            Files.delete(file);
            Files.createDirectory(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the directory and everything in it. */
    public void delete() {
        deleteTree(directory);
        content = Map.of();
    }

    private Path writeVersion(Map<String, String> keys) throws IOException {
        Path target = directory.resolve("..version_" + (++version));
        Files.createDirectories(target);
        for (Map.Entry<String, String> entry : keys.entrySet()) {
            Files.writeString(target.resolve(entry.getKey()), entry.getValue() + "\n", StandardCharsets.UTF_8);
        }
        return target;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
