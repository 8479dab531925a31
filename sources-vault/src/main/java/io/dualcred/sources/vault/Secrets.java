package io.dualcred.sources.vault;

import io.dualcred.rotation.CredentialSourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading the secrets the source logs in with, with messages that name them and never show them. */
final class Secrets {

    private Secrets() {
    }

    static String required(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new CredentialSourceException(what + " is not set");
        }
        return value.strip();
    }

    static String readFile(Path file, String what) {
        try {
            return required(Files.readString(file, StandardCharsets.UTF_8), "the " + what + " " + file);
        } catch (IOException e) {
            throw new CredentialSourceException("cannot read the " + what + " " + file + ": "
                    + e.getClass().getSimpleName());
        }
    }
}
