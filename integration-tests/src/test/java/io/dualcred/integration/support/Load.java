package io.dualcred.integration.support;

import static org.awaitility.Awaitility.await;

import io.dualcred.integration.redaction.Exposure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Application threads that run {@link PoolUnderTest#operation} back to back until closed, as a busy service does.
 * Each thread counts what succeeded and what failed, times every operation (the longest is a caller's worst wait),
 * and reads the pool's size after every operation, so the largest size ever seen is known without a sampling
 * thread. Failures are handed to the redaction scan and the first ones kept for assertion messages.
 *
 * <p>A failure belongs to the moment its operation <em>started</em>: on two busy cores a thread can be descheduled for
 * tens of milliseconds between receiving an error and counting it, so counting by completion would charge a failure
 * decided before a {@link Checkpoint} to the time after it.
 */
public final class Load implements AutoCloseable {

    /** The number of application threads the scenarios use. */
    public static final int THREADS = 16;

    private static final int KEPT_FAILURES = 20;
    private static final int FULLY_SCANNED_FAILURES = 50;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final PoolUnderTest pool;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch started;
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong everyCredentialRejected = new AtomicLong();
    private final FailureTimes failureTimes = new FailureTimes();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final AtomicInteger largestPool = new AtomicInteger();
    private final Queue<Throwable> kept = new ConcurrentLinkedQueue<>();
    private final Deque<Throwable> latest = new ArrayDeque<>();
    private volatile boolean running = true;

    private Load(PoolUnderTest pool, int threadCount) {
        this.pool = pool;
        this.started = new CountDownLatch(threadCount);
        for (int i = 0; i < threadCount; i++) {
            int worker = i;
            // Named without the pool name: threads named after the pool are the library's.
            Thread thread = new Thread(() -> work(worker), "load-" + pool.kind() + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /**
     * Starts {@link #THREADS} threads and returns once each has begun.
     *
     * @param pool the pool to load
     * @return the running load
     */
    public static Load start(PoolUnderTest pool) {
        return start(pool, THREADS);
    }

    /**
     * Starts {@code threadCount} threads and returns once each has begun.
     *
     * @param pool the pool to load
     * @param threadCount how many application threads
     * @return the running load
     */
    public static Load start(PoolUnderTest pool, int threadCount) {
        Load load = new Load(pool, threadCount);
        load.threads.forEach(Thread::start);
        try {
            load.started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the load", e);
        }
        return load;
    }

    private void work(int worker) {
        started.countDown();
        while (running) {
            long start = System.nanoTime();
            try {
                pool.operation(worker);
                successes.incrementAndGet();
            } catch (Exception | AssertionError e) {
                failureTimes.add(start);
                record(e);
            }
            slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            largestPool.accumulateAndGet(pool.connections(), Math::max);
        }
    }

    private void record(Throwable failure) {
        long count = failures.incrementAndGet();
        if (pool.isEveryCredentialRejected(failure)) {
            everyCredentialRejected.incrementAndGet();
        }
        if (count <= FULLY_SCANNED_FAILURES) {
            Exposure.exception(failure);
        } else {
            Exposure.exceptionMessages(failure);
        }
        if (count <= KEPT_FAILURES) {
            kept.add(failure);
        }
        synchronized (latest) {
            latest.addLast(failure);
            if (latest.size() > KEPT_FAILURES) {
                latest.removeFirst();
            }
        }
    }

    /**
     * Waits until {@code operations} more operations have succeeded, which proves the load ran meanwhile.
     *
     * @param operations how many
     * @return this load
     */
    public Load awaitSuccesses(long operations) {
        long target = successes.get() + operations;
        await("the load on " + pool.name() + " to complete " + operations + " more operations")
                .atMost(PATIENCE).until(() -> successes.get() >= target);
        return this;
    }

    /**
     * Waits until {@code count} more operations have failed.
     *
     * @param count how many
     * @return this load
     */
    public Load awaitFailures(long count) {
        long target = failures.get() + count;
        await("the load on " + pool.name() + " to meet " + count + " more failures")
                .atMost(PATIENCE).until(() -> failures.get() >= target);
        return this;
    }

    /**
     * Waits until {@code operations} operations in a row succeeded, as after a fault the pool recovers from.
     *
     * @param operations how many consecutive successes count as recovered
     * @return the point from which no operation failed
     */
    public Checkpoint awaitCleanRun(long operations) {
        Checkpoint[] since = {checkpoint()};
        await("the load on " + pool.name() + " to run " + operations + " operations in a row without a failure")
                .atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> {
                    if (failuresSince(since[0]) > 0) {
                        since[0] = checkpoint();
                        return false;
                    }
                    return successesSince(since[0]) >= operations;
                });
        return since[0];
    }

    /**
     * A point in the run, to count what happened after it.
     *
     * @param successes operations that had succeeded by then
     * @param nanoTime {@link System#nanoTime()} at that point
     */
    public record Checkpoint(long successes, long nanoTime) {
    }

    /** @return the point now */
    public Checkpoint checkpoint() {
        return new Checkpoint(successes.get(), System.nanoTime());
    }

    /**
     * @param checkpoint an earlier point
     * @return operations that started after it and failed; one already under way at the checkpoint does not count,
     *     even if its failure was recorded later
     */
    public long failuresSince(Checkpoint checkpoint) {
        return failureTimes.startedAfter(checkpoint.nanoTime());
    }

    /**
     * @param checkpoint an earlier point
     * @return operations that succeeded after it
     */
    public long successesSince(Checkpoint checkpoint) {
        return successes.get() - checkpoint.successes();
    }

    /** @return operations that succeeded */
    public long successes() {
        return successes.get();
    }

    /** @return operations that failed, for any reason */
    public long failures() {
        return failures.get();
    }

    /** @return failures that were the pool's documented "every credential rejected" error */
    public long everyCredentialRejected() {
        return everyCredentialRejected.get();
    }

    /** @return the first and the latest failures, for assertion messages */
    public List<Throwable> someFailures() {
        List<Throwable> some = new ArrayList<>(kept);
        synchronized (latest) {
            latest.stream().filter(failure -> !some.contains(failure)).forEach(some::add);
        }
        return some;
    }

    /** @return the longest any single operation took, successful or not */
    public Duration slowest() {
        return Duration.ofNanos(slowestNanos.get());
    }

    /** @return the largest number of physical connections the pool reported after any operation */
    public int largestPool() {
        return largestPool.get();
    }

    /** Stops the threads and waits for each to finish its operation. */
    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(PATIENCE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * When each failed operation started, and when its failure was recorded (read under the lock, so these times
     * only grow). A failure recorded before a point started before it, so counting those started after a point
     * reads back only as far as the first failure recorded after it.
     */
    private static final class FailureTimes {

        private long[] starts = new long[1024];
        private long[] ends = new long[1024];
        private int size;

        synchronized void add(long start) {
            long end = System.nanoTime();
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            starts[size] = start;
            ends[size] = end;
            size++;
        }

        synchronized long startedAfter(long point) {
            long count = 0;
            for (int i = size - 1; i >= 0 && ends[i] - point > 0; i--) {
                if (starts[i] - point > 0) {
                    count++;
                }
            }
            return count;
        }
    }
}
