package io.dualcred.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the alternatives read their secret directory: the user and the CURRENT password, the two files a team wires
 * into a pool that knows one password. NEXT is not read: none of the alternatives has a place for it.
 */
final class StoreReader {

    /**
     * The CURRENT credential as the directory holds it now.
     *
     * @param user the user
     * @param password its CURRENT password; {@link #toString()} does not show it
     */
    record Current(String user, String password) {

        @Override
        public String toString() {
            return user + " (CURRENT)";
        }
    }

    private StoreReader() {
    }

    /** @return the directory's USER and PASSWORD_CURRENT, read through the {@code ..data} link */
    static Current current(Path directory) {
        try {
            return new Current(
                    Files.readString(directory.resolve(SecretDirectory.USER), StandardCharsets.UTF_8).trim(),
                    Files.readString(directory.resolve(SecretDirectory.PASSWORD_CURRENT), StandardCharsets.UTF_8)
                            .trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the secret in " + directory + ": " + e.getMessage(), e);
        }
    }
}
