package io.dualcred.rotation.spi;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Reads a {@link CredentialSource} on threads of its own, so that whoever asks for a read (a login recovering from a
 * rejection, {@code refresh()}, the watch, the schedule) waits at most the source timeout, and a source that hangs
 * holds only a reader thread, never a lock or a caller.
 *
 * <p>Reads are single-flight where that is safe: a request that will take any recent content (the watch, the
 * schedule) joins a read already in flight; a request that needs content read after it was made (after a
 * rejection, an explicit refresh) starts its own. Every read that completes, even one whose waiter gave up, hands its
 * outcome to the engine in the order the reads were started, so a late answer never overwrites a newer one.
 */
final class SourceReader implements AutoCloseable {

    /** Reads still hanging past the timeout after which no new read is started, so threads cannot pile up. */
    private static final int MAX_HANGING = 3;

    private final String poolName;
    private final CredentialSource source;
    private final Duration timeout;
    private final Outcomes outcomes;
    private final ExecutorService readers;
    private final AtomicInteger running = new AtomicInteger();
    private final Object lock = new Object();
    /** The latest read started; guarded by {@code lock}. */
    private Read latest;
    private long started;
    /**
     * Every read not yet answered, so that {@link #close()} releases whoever waits for any of them: a source stuck
     * in a socket read ignores the interrupt, and a later read may have become {@link #latest} meanwhile.
     */
    private final Set<Read> unanswered = ConcurrentHashMap.newKeySet();

    /** Where the outcome of each read goes, on the reader thread. */
    interface Outcomes {
        /**
         * @param sequence the read's number, increasing in the order reads were started
         * @param loaded what it read
         */
        void loaded(long sequence, CredentialSet loaded);

        /**
         * @param sequence the read's number
         * @param problem what went wrong, without secrets
         */
        void failed(long sequence, String problem);
    }

    SourceReader(String poolName, CredentialSource source, Duration timeout, Outcomes outcomes) {
        this.poolName = poolName;
        this.source = Objects.requireNonNull(source, "source");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
        this.readers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "dualcred-" + poolName + "-source");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads the source and waits for the outcome, at most the source timeout.
     *
     * @param fresh whether the content must be read after this call (bypassing caches), or any recent read will do
     * @return the set read
     * @throws CredentialSourceException when the read failed or took longer than the timeout; the engine has been
     *     told either way
     * @throws InterruptedException when the waiting thread is interrupted
     */
    CredentialSet read(boolean fresh) throws InterruptedException {
        Read read = start(fresh);
        try {
            return read.result.get(read.remainingNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String problem = "no answer within " + timeout.toMillis() + " ms; the read goes on in the background";
            if (read.reportTimeout()) {
                outcomes.failed(read.sequence, problem);
            }
            throw new CredentialSourceException("credential source " + source.description() + ": " + problem);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CredentialSourceException known) {
                throw known;
            }
            throw new CredentialSourceException("credential source " + source.description() + " failed: "
                    + problem(cause), cause);
        } catch (CancellationException e) {
            throw new CredentialSourceException(poolName + " - the rotation engine is closed");
        }
    }

    /** Starts a read, or joins the one in flight, without waiting for it: for watch notices and the schedule. */
    void readInBackground() {
        try {
            start(false);
        } catch (CredentialSourceException e) {
            // Too many reads hang already; the engine has been told.
        }
    }

    /** @return reads started so far */
    long reads() {
        synchronized (lock) {
            return started;
        }
    }

    @Override
    public void close() {
        readers.shutdownNow();   // first: a read started from now on is refused and cancelled where it starts
        unanswered.forEach(read -> read.result.cancel(false));
    }

    private Read start(boolean fresh) {
        Read read = null;
        long refused = 0;
        int hanging = 0;
        synchronized (lock) {
            Read inFlight = latest;
            if (!fresh && inFlight != null && !inFlight.result.isDone() && inFlight.remainingNanos(timeout) > 0) {
                return inFlight;
            }
            hanging = running.get();
            if (hanging >= MAX_HANGING) {
                refused = ++started;
            } else {
                read = new Read(++started, System.nanoTime());
                latest = read;
                unanswered.add(read);
            }
        }
        if (read == null) {
            // Reported outside the lock: the engine logs and publishes, and the source names itself.
            String problem = hanging + " earlier reads have not answered yet; not starting another";
            outcomes.failed(refused, problem);
            throw new CredentialSourceException("credential source " + source.description() + ": " + problem);
        }
        running.incrementAndGet();
        try {
            Read toRun = read;
            readers.execute(() -> run(toRun, fresh));
        } catch (RejectedExecutionException closed) {
            running.decrementAndGet();
            unanswered.remove(read);
            read.result.cancel(false);
        }
        return read;
    }

    private void run(Read read, boolean fresh) {
        try {
            CredentialSet loaded = fresh ? source.loadFresh() : source.load();
            if (loaded == null) {
                throw new CredentialSourceException("the source returned no credential set");
            }
            outcomes.loaded(read.sequence, loaded);
            read.result.complete(loaded);
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String problem = problem(e);
            if (read.reportFailure()) {
                outcomes.failed(read.sequence, problem);
            }
            read.result.completeExceptionally(new CredentialSourceException("credential source "
                    + source.description() + " failed: " + problem, e));
        } finally {
            running.decrementAndGet();
            unanswered.remove(read);
        }
    }

    static String problem(Throwable e) {
        return e instanceof CredentialSourceException ? e.getMessage() : e.toString();
    }

    /** One read of the source. */
    private static final class Read {
        final long sequence;
        final long startedNanos;
        final CompletableFuture<CredentialSet> result = new CompletableFuture<>();
        /** Whether the read's failure (a timeout or an error) has been reported; each read reports once. */
        private final java.util.concurrent.atomic.AtomicBoolean reported =
                new java.util.concurrent.atomic.AtomicBoolean();

        Read(long sequence, long startedNanos) {
            this.sequence = sequence;
            this.startedNanos = startedNanos;
        }

        long remainingNanos(Duration timeout) {
            return timeout.toNanos() - (System.nanoTime() - startedNanos);
        }

        boolean reportTimeout() {
            return reported.compareAndSet(false, true);
        }

        boolean reportFailure() {
            return reported.compareAndSet(false, true);
        }
    }
}
