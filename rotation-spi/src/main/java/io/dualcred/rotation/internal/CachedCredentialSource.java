package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Serves another source's last successful load for a time to live, and lets concurrent callers share one call to
 * the delegate (single flight), so that a remote store is asked at most once however many threads load at once.
 *
 * <p>{@link #loadFresh()}, which the engine calls after a rejected login, bypasses the cached set.
 *
 * <p>Failures are not cached: every caller sharing a failed flight gets the delegate's exception, and the next load
 * asks the delegate again. When the delegate reports a change through its {@link #watch watch}, the cached set is
 * dropped before the listener is told, so the load that follows sees the change.
 */
public final class CachedCredentialSource implements CredentialSource {

    private final CredentialSource delegate;
    private final Duration ttl;
    private final Clock clock;
    private final Object lock = new Object();

    // Guarded by lock.
    private CredentialSet cached;
    private Instant loadedAt;
    private CompletableFuture<CredentialSet> inFlight;
    private long generation;

    /**
     * @param delegate the source to cache
     * @param ttl how long a loaded set is served; positive
     * @param clock measures the age of the cached set
     * @throws IllegalArgumentException when {@code ttl} is not positive
     */
    public CachedCredentialSource(CredentialSource delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        this.ttl = ttl;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CredentialSet load() throws Exception {
        CompletableFuture<CredentialSet> flight;
        long flightGeneration;
        boolean leader;
        synchronized (lock) {
            if (cached != null && isFresh()) {
                return cached;
            }
            leader = inFlight == null;
            if (leader) {
                inFlight = new CompletableFuture<>();
            }
            flight = inFlight;
            flightGeneration = generation;
        }
        return leader ? lead(flight, flightGeneration) : await(flight);
    }

    /**
     * Skips the cached set, so that a credential staged after the last load is seen at once, but still joins a load
     * already under way: several pools rejected together cause one call to the delegate.
     */
    @Override
    public CredentialSet loadFresh() throws Exception {
        synchronized (lock) {
            cached = null;
        }
        return load();
    }

    /** Drops the cached set, and detaches a load already under way, so that the next load asks the delegate. */
    public void invalidate() {
        synchronized (lock) {
            cached = null;
            inFlight = null;
            generation++;
        }
    }

    @Override
    public Watch watch(Runnable changed) {
        Objects.requireNonNull(changed, "changed");
        return delegate.watch(() -> {
            invalidate();
            changed.run();
        });
    }

    @Override
    public String description() {
        return "cached(" + delegate.description() + ")";
    }

    @Override
    public String toString() {
        return description();
    }

    private CredentialSet lead(CompletableFuture<CredentialSet> flight, long flightGeneration) throws Exception {
        try {
            CredentialSet loaded = Objects.requireNonNull(delegate.load(),
                    () -> delegate.description() + " returned no credential set");
            synchronized (lock) {
                finish(flight);
                // A change reported while this load ran may not be in what it read: serve it, but do not keep it.
                if (generation == flightGeneration) {
                    cached = loaded;
                    loadedAt = clock.instant();
                }
            }
            flight.complete(loaded);
            return loaded;
        } catch (Throwable failure) {
            synchronized (lock) {
                finish(flight);
            }
            flight.completeExceptionally(failure);
            throw failure;
        }
    }

    // Guarded by lock. An invalidation may already have replaced this flight with a newer one; leave that alone.
    private void finish(CompletableFuture<CredentialSet> flight) {
        if (inFlight == flight) {
            inFlight = null;
        }
    }

    private static CredentialSet await(CompletableFuture<CredentialSet> flight) throws Exception {
        try {
            return flight.get();
        } catch (ExecutionException e) {
            Throwable failure = e.getCause();
            if (failure instanceof Exception exception) {
                throw exception;
            }
            throw (Error) failure;
        }
    }

    private boolean isFresh() {
        Duration age = Duration.between(loadedAt, clock.instant());
        // A clock that stepped back makes the age negative; treat that as stale rather than trust it for longer.
        return !age.isNegative() && age.compareTo(ttl) < 0;
    }
}
