package io.dualcred.rotation.internal;

import io.dualcred.rotation.RotationConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The two settings of a {@link RotationConfig} that only tests set: how a login waits within its retry budget, and
 * where events are delivered. They are package-private in {@code RotationConfig}, so that users never see them; the
 * engine, in {@code io.dualcred.rotation.spi}, reads them here. This package is not exported, and
 * {@code RotationConfig} installs the only {@link Accessor} when it is loaded, before any instance can reach the
 * engine.
 */
public final class ConfigHooks {

    private static volatile Accessor accessor;

    private ConfigHooks() {
    }

    /**
     * Waits within a login's retry budget. The engine's own wait ends early when the source changes; tests replace
     * it so that no test sleeps.
     */
    @FunctionalInterface
    public interface Sleeper {

        /**
         * @param duration how long to wait at most
         * @throws InterruptedException when the waiting thread is interrupted
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Reads the hidden settings of a {@link RotationConfig}; implemented by {@code RotationConfig} itself. */
    public interface Accessor {

        /**
         * @param config a configuration
         * @return its sleeper, or {@code null} for the engine's own wait
         */
        Sleeper sleeper(RotationConfig config);

        /**
         * @param config a configuration
         * @return its event executor, or {@code null} for the engine's own event thread
         */
        Executor eventExecutor(RotationConfig config);
    }

    /**
     * Called once, by {@code RotationConfig}'s static initializer.
     *
     * @param configAccessor reads the hidden settings
     * @throws IllegalStateException when an accessor is installed already
     */
    public static synchronized void install(Accessor configAccessor) {
        Objects.requireNonNull(configAccessor, "configAccessor");
        if (accessor != null) {
            throw new IllegalStateException("the RotationConfig accessor is installed already");
        }
        accessor = configAccessor;
    }

    /**
     * @param config a configuration
     * @return its sleeper, or {@code null} for the engine's own wait
     */
    public static Sleeper sleeper(RotationConfig config) {
        return accessor.sleeper(Objects.requireNonNull(config, "config"));
    }

    /**
     * @param config a configuration
     * @return its event executor, or {@code null} for the engine's own event thread
     */
    public static Executor eventExecutor(RotationConfig config) {
        return accessor.eventExecutor(Objects.requireNonNull(config, "config"));
    }
}
