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
 * <p>{@link #loadFresh()}, which the engine calls after a rejected login, bypasses the cached set, calls the
 * delegate's own {@code loadFresh()}, and never returns what a read begun before it found: such a read may predate
 * the change that got the credential rejected. Fresh callers that arrive while a read is under way wait for it to
 * end and then share one fresh read.
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
    /** The read under way, if any: a plain load may join it, a fresh load may not. */
    private Flight reading;
    /** A fresh read that waits for {@link #reading} to end. It has not begun, so any caller may join it. */
    private Flight queued;
    /** Moves on with every change notice and fresh load: a read begun before that is served but not kept. */
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
        Flight flight;
        boolean leader;
        synchronized (lock) {
            if (cached != null && isFresh()) {
                return cached;
            }
            flight = reading != null ? reading : queued;
            leader = flight == null;
            if (leader) {
                flight = begin(new Flight(false));
            }
        }
        return leader ? lead(flight) : flight.await();
    }

    /**
     * Skips the cached set and calls the delegate's {@link CredentialSource#loadFresh()}, so that a credential staged
     * after the last load is seen at once. A read already under way began before this call and may hold exactly what
     * the server rejected, so it is not joined: this call waits for it to end, then reads afresh. Every fresh call
     * arriving meanwhile shares that one read, so several pools rejected together still cause one fresh call.
     */
    @Override
    public CredentialSet loadFresh() throws Exception {
        Flight flight;
        Flight ahead = null;
        boolean leader;
        synchronized (lock) {
            cached = null;
            generation++;
            leader = queued == null;
            if (leader) {
                flight = new Flight(true);
                ahead = reading;
                if (ahead == null) {
                    begin(flight);
                } else {
                    queued = flight;
                }
            } else {
                flight = queued; // it has not begun, so what it reads is newer than this call
            }
        }
        if (!leader) {
            return flight.await();
        }
        return ahead == null ? lead(flight) : leadAfter(ahead, flight);
    }

    /** Drops the cached set, and detaches a load already under way, so that the next load asks the delegate. */
    public void invalidate() {
        synchronized (lock) {
            cached = null;
            reading = null;
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

    /**
     * Waits for the read ahead to end, however it ends, then leads the queued fresh read. An interrupted wait starts
     * the read at once instead: the callers sharing it must not be left without a leader, and a read begun now is
     * still newer than all of them. The interrupt is kept for the caller.
     */
    private CredentialSet leadAfter(Flight ahead, Flight flight) throws Exception {
        boolean interrupted = ahead.awaitEnd();
        try {
            synchronized (lock) {
                if (queued == flight) {
                    queued = null;
                }
                begin(flight);
            }
            return lead(flight);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // Guarded by lock.
    private Flight begin(Flight flight) {
        flight.generation = generation;
        reading = flight;
        return flight;
    }

    private CredentialSet lead(Flight flight) throws Exception {
        try {
            CredentialSet loaded = Objects.requireNonNull(flight.fresh ? delegate.loadFresh() : delegate.load(),
                    () -> delegate.description() + " returned no credential set");
            synchronized (lock) {
                finish(flight);
                // A change reported, or a fresh load asked for, while this read ran may not be in what it read:
                // serve it to those who shared it, but do not keep it.
                if (generation == flight.generation) {
                    cached = loaded;
                    loadedAt = clock.instant();
                }
            }
            flight.result.complete(loaded);
            return loaded;
        } catch (Throwable failure) {
            synchronized (lock) {
                finish(flight);
            }
            flight.result.completeExceptionally(failure);
            throw failure;
        }
    }

    // Guarded by lock. An invalidation or an interrupted wait may have put a newer flight in place; leave that alone.
    private void finish(Flight flight) {
        if (reading == flight) {
            reading = null;
        }
    }

    private boolean isFresh() {
        Duration age = Duration.between(loadedAt, clock.instant());
        // A clock that stepped back makes the age negative; treat that as stale rather than trust it for longer.
        return !age.isNegative() && age.compareTo(ttl) < 0;
    }

    /** One call to the delegate, whose outcome every caller sharing it receives. */
    private static final class Flight {
        final boolean fresh;
        final CompletableFuture<CredentialSet> result = new CompletableFuture<>();
        /** Guarded by lock: the generation when the read began. */
        long generation;

        Flight(boolean fresh) {
            this.fresh = fresh;
        }

        CredentialSet await() throws Exception {
            try {
                return result.get();
            } catch (ExecutionException e) {
                Throwable failure = e.getCause();
                if (failure instanceof Exception exception) {
                    throw exception;
                }
                throw (Error) failure;
            }
        }

        /** @return whether the wait was interrupted */
        boolean awaitEnd() {
            try {
                result.get();
            } catch (ExecutionException e) {
                // Its failure is for the callers who shared it; the fresh read that follows asks again anyway.
            } catch (InterruptedException e) {
                return true;
            }
            return false;
        }
    }
}
