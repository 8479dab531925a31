package io.dualcred.sources;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the calls a store module makes to its store's API, so that {@link RemoteCredentialSource#calls()} (and a
 * metric reading it) shows what the source costs. Thread-safe.
 */
public final class StoreCallCounter {

    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /** Creates a counter at zero. */
    public StoreCallCounter() {
    }

    /**
     * Makes one call to the store and counts it, as a failure when it throws.
     *
     * @param call the request
     * @param <T> what it answers
     * @return the answer
     * @throws Exception what the call throws
     */
    public <T> T count(Callable<T> call) throws Exception {
        calls.incrementAndGet();
        try {
            return call.call();
        } catch (Exception | Error e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    /** @return calls made so far */
    public long calls() {
        return calls.get();
    }

    /** @return calls that failed so far */
    public long failures() {
        return failures.get();
    }
}
