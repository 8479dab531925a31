package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSourceException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;

/** The {@code file:/path/to/dir} scheme; {@code file:relative/dir} is resolved against the working directory. */
public final class DirectorySourceProvider extends BuiltInSourceProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public DirectorySourceProvider() {
        super("file", location -> DirectoryCredentialSource.builder(pathOf(location)).build());
    }

    private static Path pathOf(URI location) {
        // An opaque URI (file:relative/dir) has no query of its own: a '?' would become part of the directory name
        // and so of the source's description, though it was almost certainly meant as a query.
        if (location.isOpaque() && location.getSchemeSpecificPart().indexOf('?') >= 0) {
            throw new CredentialSourceException("credential source URI " + SourceUris.redact(location)
                    + " does not name a local directory: it has a query");
        }
        try {
            return location.isOpaque() ? Path.of(location.getSchemeSpecificPart()) : Path.of(location);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            // e.g. file://host/dir (an authority) or file:/dir?query
            throw new CredentialSourceException("credential source URI " + SourceUris.redact(location)
                    + " does not name a local directory: " + e.getMessage(), e);
        }
    }
}
