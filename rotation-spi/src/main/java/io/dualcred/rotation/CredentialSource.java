package io.dualcred.rotation;

/**
 * Where a pool's credentials come from: environment variables, system properties, a directory of secret files, a
 * vault, a cloud secrets manager.
 *
 * <p>The engine calls {@link #load()} at start, after a watch notice and on the optional refresh schedule, and
 * {@link #loadFresh()} when the server rejects a credential and on {@link RotationControl#refresh()}. An
 * implementation should read its store afresh on each call; wrap remote stores with {@link CredentialSources#cached}
 * to serve scheduled reads from a cache while rejections still reach the store. A failing load never loses anything: the
 * engine keeps the last good set and publishes {@link RotationEvent.SourceFailed}.
 *
 * <p>Sources that can notice changes themselves (a watched directory, a vault lease) override {@link #watch} so
 * that a promotion or a new NEXT is seen at once instead of at the next refresh.
 *
 * <p>Exception messages must name the missing or malformed field, never a secret value.
 */
@FunctionalInterface
public interface CredentialSource {

    /**
     * Reads the credentials as they are now.
     *
     * @return the current set; never {@code null}
     * @throws Exception when the store cannot be read or holds an invalid set; the message names the field
     */
    CredentialSet load() throws Exception;

    /**
     * Reads the credentials when a cached copy will not do: after the server rejected a credential, and on an
     * explicit {@link RotationControl#refresh()}. Sources that cache (such as {@link CredentialSources#cached}) read
     * their store here; the default simply calls {@link #load()}.
     *
     * @return the current set; never {@code null}
     * @throws Exception as {@link #load()}
     */
    default CredentialSet loadFresh() throws Exception {
        return load();
    }

    /**
     * Asks to be told when the credentials may have changed. The default does nothing: the engine then relies on
     * authentication failures, refresh calls and the refresh schedule.
     *
     * @param changed called (on any thread) after a change was noticed; the engine responds with a {@link #load()}
     * @return a handle that stops watching; closing it releases any thread or file handle the watch holds
     */
    default Watch watch(Runnable changed) {
        return Watch.NONE;
    }

    /**
     * A short description for logs and status, e.g. {@code env:DB} or {@code file:/etc/secrets/db}. Never contains
     * a secret.
     *
     * @return the description
     */
    default String description() {
        return getClass().getSimpleName();
    }

    /** A running watch; {@link #close()} stops it and is idempotent. */
    @FunctionalInterface
    interface Watch extends AutoCloseable {

        /** A watch that watches nothing. */
        Watch NONE = () -> { };

        /** Stops watching; does not throw. */
        @Override
        void close();
    }
}
