package io.dualcred.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A directory of secret files as the built-in {@code file:} credential source reads it ({@code USER},
 * {@code PASSWORD_CURRENT}, {@code PASSWORD_NEXT}), updated the way a secret agent updates one: each file is written
 * aside and renamed into place, so that the source's watch sees the change.
 */
public final class SecretFiles {

    private final Path directory;

    private SecretFiles(Path directory) {
        this.directory = directory;
    }

    /**
     * @param label becomes part of the directory name
     * @return a new, empty directory under {@code java.io.tmpdir}
     */
    public static SecretFiles create(String label) {
        return new SecretFiles(Support.newTempDirectory("secrets-" + label + "-"));
    }

    /** @return the directory, for {@code CredentialSources.directory(...)} */
    public Path directory() {
        return directory;
    }

    /**
     * Publishes one user with a CURRENT and a NEXT password.
     *
     * @param user {@code USER}
     * @param current {@code PASSWORD_CURRENT}
     * @param next {@code PASSWORD_NEXT}
     * @return this
     */
    public SecretFiles hold(String user, String current, String next) {
        replace("USER", user);
        replace("PASSWORD_CURRENT", current);
        replace("PASSWORD_NEXT", next);
        return this;
    }

    private void replace(String key, String value) {
        Path aside = directory.resolve("." + key + ".tmp");
        Support.write(aside, value);
        try {
            Files.move(aside, directory.resolve(key), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + aside + " into place", e);
        }
    }
}
