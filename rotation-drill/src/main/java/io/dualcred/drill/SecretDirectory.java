package io.dualcred.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One contender's secret store: a directory laid out as a Kubernetes secret volume writes it. Every version of the
 * secret is a hidden directory holding one file per key ({@code USER}, {@code PASSWORD_CURRENT}, optional
 * {@code PASSWORD_NEXT}, and the optional, non-secret {@code VERSION_CURRENT} and {@code VERSION_NEXT} that label
 * each password with the operator's version of it); {@code ..data} is a symbolic link to the version in force,
 * swapped atomically by renaming a new link over it; the keys at the top are links through {@code ..data}. A reader
 * therefore sees one version or the next, never a mix, and a directory watch sees the swap.
 *
 * <p>The directory is readable by its owner only and deleted at the end of the drill.
 */
final class SecretDirectory {

    static final String USER = "USER";
    static final String PASSWORD_CURRENT = "PASSWORD_CURRENT";
    static final String PASSWORD_NEXT = "PASSWORD_NEXT";
    static final String VERSION_CURRENT = "VERSION_CURRENT";
    static final String VERSION_NEXT = "VERSION_NEXT";
    private static final String[] KEYS = {USER, PASSWORD_CURRENT, PASSWORD_NEXT, VERSION_CURRENT, VERSION_NEXT};
    private static final String DATA = "..data";

    private final Path root;
    private int version;

    private SecretDirectory(Path root) {
        this.root = root;
    }

    /** @return a new, empty directory under {@code java.io.tmpdir}, named after {@code label} */
    static SecretDirectory create(String label) {
        try {
            return new SecretDirectory(Files.createTempDirectory("dualcred-drill-" + label + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a secret directory: " + e.getMessage(), e);
        }
    }

    Path path() {
        return root;
    }

    /**
     * Publishes a new version of the secret in one atomic swap.
     *
     * @param current the CURRENT password
     * @param currentVersion the operator's version of it, e.g. {@code 1}; {@code null} for none
     * @param next the NEXT password; {@code null} for none
     * @param nextVersion the operator's version of NEXT; {@code null} for none
     */
    synchronized void publish(String user, String current, String currentVersion, String next, String nextVersion) {
        try {
            Path previous = Files.isSymbolicLink(root.resolve(DATA))
                    ? root.resolve(Files.readSymbolicLink(root.resolve(DATA))) : null;
            Path fresh = Files.createDirectory(root.resolve("..v" + (++version)));
            Files.writeString(fresh.resolve(USER), user, StandardCharsets.UTF_8);
            Files.writeString(fresh.resolve(PASSWORD_CURRENT), current, StandardCharsets.UTF_8);
            write(fresh, PASSWORD_NEXT, next);
            write(fresh, VERSION_CURRENT, currentVersion);
            write(fresh, VERSION_NEXT, next == null ? null : nextVersion);
            Path link = root.resolve("..data_tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, fresh.getFileName());
            Files.move(link, root.resolve(DATA), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String key : KEYS) {
                Path top = root.resolve(key);
                boolean present = Files.exists(fresh.resolve(key));
                if (present && !Files.isSymbolicLink(top)) {
                    Files.createSymbolicLink(top, Path.of(DATA, key));
                } else if (!present) {
                    Files.deleteIfExists(top);
                }
            }
            if (previous != null) {
                deleteTree(previous);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish a secret in " + root + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path version, String key, String value) throws IOException {
        if (value != null) {
            Files.writeString(version.resolve(key), value, StandardCharsets.UTF_8);
        }
    }

    /** Deletes the directory and everything in it; best effort. */
    void delete() {
        deleteTree(root);
    }

    private static void deleteTree(Path path) {
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(entry -> {
                try {
                    Files.deleteIfExists(entry);
                } catch (IOException e) {
                    // best effort: java.io.tmpdir is cleaned eventually
                }
            });
        } catch (IOException e) {
            // already gone
        }
    }
}
