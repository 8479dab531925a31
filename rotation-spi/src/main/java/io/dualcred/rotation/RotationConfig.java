package io.dualcred.rotation;

import io.dualcred.rotation.internal.ConfigHooks;
import io.dualcred.rotation.internal.ConfigHooks.Sleeper;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * How the rotation engine backs off, retries and refreshes. Immutable; build with {@link #custom()} or start from
 * {@link #ofDefaults()}. Connector builders accept one.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>Setting</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@link Builder#backoff(Duration, double, Duration) backoff}</td><td>1 s, x2, at most 30 s</td>
 *       <td>After every credential was rejected, logins fail fast for the n-th interval; then the source is
 *       re-read and tried again. At most one login per credential per interval reaches the server.</td></tr>
 *   <tr><td>{@link Builder#loginRetryBudget(Duration) loginRetryBudget}</td><td>0</td>
 *       <td>How long one login may keep waiting and retrying through backoff steps (re-reading the source each
 *       time) before it fails. Raise it to bridge the window between "password changed on the server" and "the
 *       source learned NEXT"; keep it below the pool's connection timeout.</td></tr>
 *   <tr><td>{@link Builder#refreshInterval(Duration) refreshInterval}</td><td>off</td>
 *       <td>Re-read the source on this schedule, so a promotion or a new NEXT shows in the status without waiting
 *       for a failure.</td></tr>
 *   <tr><td>{@link Builder#sourceTimeout(Duration) sourceTimeout}</td><td>5 s</td>
 *       <td>How long a login, {@code refresh()} or start-up waits for one read of the credential source. A read that
 *       takes longer is reported as a {@link RotationEvent.SourceFailed} event, the last good credentials stay in
 *       use, and the read goes on in the background: a source that hangs never blocks a pool.</td></tr>
 *   <tr><td>{@link Builder#replacementWindow(Duration) replacementWindow}</td><td>5 s</td>
 *       <td>After a switch, a promotion or an eviction, the pool's old connections are replaced one by one at
 *       random moments spread over this window, so that a fleet switching in the same second does not send every
 *       login to the server at once. A connection the pool actually needs (to grow, or in place of a broken one)
 *       logs in with the new credential at once. Once the window has passed (plus one login), no old connection
 *       remains unless a caller still holds it. Zero replaces them as fast as one login after another.</td></tr>
 *   <tr><td>{@link Builder#tagSessions(boolean) tagSessions}</td><td>on</td>
 *       <td>Append {@code [dualcred:v<version>]} to the name every session shows on the server (PostgreSQL
 *       {@code application_name}, Redis {@code CLIENT SETNAME}), after the application's own name, so that an
 *       operator can list the sessions still on an old password from the server (see
 *       {@link io.dualcred.rotation.spi.SessionTag}). Off leaves the application's name as it set it.</td></tr>
 *   <tr><td>{@link Builder#listener(RotationListener) listener}</td><td>none</td>
 *       <td>Receives {@link RotationEvent}s, in order, on the pool's own event thread, after the state change
 *       they describe: a listener may borrow from its pool or call {@code refresh()} without stalling a
 *       login.</td></tr>
 * </table>
 */
public final class RotationConfig {

    static {
        // The engine, in another package, reads the two settings only tests set through this accessor.
        ConfigHooks.install(new ConfigHooks.Accessor() {
            @Override
            public Sleeper sleeper(RotationConfig config) {
                return config.sleeper();
            }

            @Override
            public Executor eventExecutor(RotationConfig config) {
                return config.eventExecutor();
            }
        });
    }

    private static final RotationConfig DEFAULTS = custom().build();

    private final IntervalFunction backoff;
    private final Duration loginRetryBudget;
    private final Duration refreshInterval;
    private final List<RotationListener> listeners;
    private final Duration sourceTimeout;
    private final Duration replacementWindow;
    private final boolean tagSessions;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Executor eventExecutor;

    private RotationConfig(Builder builder) {
        this.backoff = builder.backoff;
        this.loginRetryBudget = builder.loginRetryBudget;
        this.refreshInterval = builder.refreshInterval;
        this.listeners = List.copyOf(builder.listeners);
        this.sourceTimeout = builder.sourceTimeout;
        this.replacementWindow = builder.replacementWindow;
        this.tagSessions = builder.tagSessions;
        this.clock = builder.clock;
        this.sleeper = builder.sleeper;
        this.eventExecutor = builder.eventExecutor;
    }

    /** @return the defaults described in the class documentation */
    public static RotationConfig ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder with the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * @param base a configuration to copy
     * @return a builder starting from {@code base}
     */
    public static Builder from(RotationConfig base) {
        return new Builder(base);
    }

    /** @return the backoff between rounds in which every credential was rejected, by round number (from 1) */
    public IntervalFunction backoff() {
        return backoff;
    }

    /** @return how long one login may wait and retry before it fails */
    public Duration loginRetryBudget() {
        return loginRetryBudget;
    }

    /** @return the refresh schedule, if any */
    public Optional<Duration> refreshInterval() {
        return Optional.ofNullable(refreshInterval);
    }

    /** @return how long one read of the credential source may take before it counts as failed */
    public Duration sourceTimeout() {
        return sourceTimeout;
    }

    /** @return the window over which old connections are replaced after a switch; zero for no pacing */
    public Duration replacementWindow() {
        return replacementWindow;
    }

    /** @return whether sessions show the version of the credential they logged in with on the server */
    public boolean tagSessions() {
        return tagSessions;
    }

    /** @return the listeners, in registration order */
    public List<RotationListener> listeners() {
        return listeners;
    }

    /** @return the clock timestamps and backoff are measured with */
    public Clock clock() {
        return clock;
    }

    /** @return the wait between rounds within a login's retry budget; {@code null} for the engine's own */
    Sleeper sleeper() {
        return sleeper;
    }

    /** @return where events are delivered; {@code null} for the engine's own event thread */
    Executor eventExecutor() {
        return eventExecutor;
    }

    /** Builds a {@link RotationConfig}; every method checks its argument and names it when it is invalid. */
    public static final class Builder {

        /**
         * How many rounds a custom backoff is tried for when it is set. Enough to reach the cap of any sensible
         * exponential backoff; a function that misbehaves only later cannot be caught without calling it forever.
         */
        static final int CHECKED_BACKOFF_ROUNDS = 20;

        private IntervalFunction backoff =
                IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30));
        private Duration loginRetryBudget = Duration.ZERO;
        private Duration refreshInterval;
        private final List<RotationListener> listeners = new ArrayList<>();
        private Duration sourceTimeout = Duration.ofSeconds(5);
        private Duration replacementWindow = Duration.ofSeconds(5);
        private boolean tagSessions = true;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper;
        private Executor eventExecutor;

        private Builder() {
        }

        private Builder(RotationConfig base) {
            this.backoff = base.backoff;
            this.loginRetryBudget = base.loginRetryBudget;
            this.refreshInterval = base.refreshInterval;
            this.listeners.addAll(base.listeners);
            this.sourceTimeout = base.sourceTimeout;
            this.replacementWindow = base.replacementWindow;
            this.tagSessions = base.tagSessions;
            this.clock = base.clock;
            this.sleeper = base.sleeper;
            this.eventExecutor = base.eventExecutor;
        }

        /**
         * Exponential backoff after every credential was rejected.
         *
         * @param initial the first interval; at least 1 ms
         * @param multiplier the growth factor; at least 1
         * @param max the longest interval; at least {@code initial}
         * @return this builder
         */
        public Builder backoff(Duration initial, double multiplier, Duration max) {
            requireAtLeastOneMillisecond(initial, "backoff initial interval");
            requireAtLeastOneMillisecond(max, "backoff max interval");
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("backoff multiplier must be a finite number >= 1, was "
                        + multiplier);
            }
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff max interval (" + max
                        + ") must not be shorter than the initial interval (" + initial + ")");
            }
            this.backoff = IntervalFunction.ofExponentialBackoff(initial, multiplier, max);
            return this;
        }

        /**
         * Any resilience4j interval function, called with the number of consecutive rejected rounds (from 1) and
         * answering in milliseconds. It is tried for rounds 1 to {@value #CHECKED_BACKOFF_ROUNDS} here, so that a
         * function that gives less than 1 ms, or throws, is refused now rather than met during an outage.
         *
         * @param backoff the interval function
         * @return this builder
         * @throws IllegalArgumentException naming the round, when the function gives less than 1 ms or throws
         */
        public Builder backoff(IntervalFunction backoff) {
            Objects.requireNonNull(backoff, "backoff");
            for (int round = 1; round <= CHECKED_BACKOFF_ROUNDS; round++) {
                Long interval;
                try {
                    interval = backoff.apply(round);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("backoff failed for round " + round + " with "
                            + e.getClass().getName(), e);
                }
                // Zero would make the fail-fast after a rejected round a no-op: every login would reach the server
                // with credentials it just refused (inviting an account lockout), and a login within its retry
                // budget would retry in a busy loop.
                if (interval == null || interval < 1) {
                    throw new IllegalArgumentException("backoff must be at least 1 ms in every round, was "
                            + (interval == null ? "null" : interval + " ms") + " for round " + round);
                }
            }
            this.backoff = backoff;
            return this;
        }

        /**
         * @param budget how long one login may keep retrying through backoff steps; zero (the default) fails at
         *     the first rejected round
         * @return this builder
         */
        public Builder loginRetryBudget(Duration budget) {
            Objects.requireNonNull(budget, "loginRetryBudget");
            if (budget.isNegative()) {
                throw new IllegalArgumentException("loginRetryBudget must not be negative, was " + budget);
            }
            this.loginRetryBudget = budget;
            return this;
        }

        /**
         * @param interval re-read the source on this schedule; {@code null} turns the schedule off
         * @return this builder
         */
        public Builder refreshInterval(Duration interval) {
            if (interval != null) {
                requirePositive(interval, "refreshInterval");
            }
            this.refreshInterval = interval;
            return this;
        }

        /**
         * @param timeout how long a login, {@code refresh()} or start-up waits for one read of the credential source;
         *     positive (default 5 s)
         * @return this builder
         */
        public Builder sourceTimeout(Duration timeout) {
            requirePositive(timeout, "sourceTimeout");
            this.sourceTimeout = timeout;
            return this;
        }

        /**
         * @param window how long replacing a pool's old connections after a switch may be spread over, at random
         *     moments, so that a fleet switching together does not storm the server with logins; zero or more,
         *     at most one hour (default 5 s). Zero replaces them one login after another at once.
         * @return this builder
         */
        public Builder replacementWindow(Duration window) {
            Objects.requireNonNull(window, "replacementWindow");
            if (window.isNegative() || window.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("replacementWindow must be between 0 and 1 hour, was " + window);
            }
            this.replacementWindow = window;
            return this;
        }

        /**
         * @param enabled whether to append {@code [dualcred:v<version>]} to the name each session shows on the
         *     server (default on)
         * @return this builder
         */
        public Builder tagSessions(boolean enabled) {
            this.tagSessions = enabled;
            return this;
        }

        /**
         * @param listener receives every event
         * @return this builder
         */
        public Builder listener(RotationListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param clock the clock for timestamps and backoff; tests pass a controllable one
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Tests deliver events on the calling thread; the engine's own event thread otherwise. */
        Builder eventExecutor(Executor executor) {
            this.eventExecutor = Objects.requireNonNull(executor, "eventExecutor");
            return this;
        }

        /** @return the configuration */
        public RotationConfig build() {
            return new RotationConfig(this);
        }

        private static void requireAtLeastOneMillisecond(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(name + " must be at least 1 ms, was " + value);
            }
        }

        private static void requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }
    }
}
