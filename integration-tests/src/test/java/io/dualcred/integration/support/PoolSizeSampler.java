package io.dualcred.integration.support;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches how small a pool gets while it replaces its connections: a thread of its own reads
 * {@link PoolUnderTest#connections()} every {@link #INTERVAL} and keeps the smallest value, to be compared with the
 * size read when sampling began (the {@link #baseline()}).
 *
 * <p>The load threads also read the size, but only after each operation, and an operation waiting for a connection
 * is exactly when the pool is short: a dip that lasts while every thread waits would never be seen by them.
 *
 * <p>Everything here goes through {@code connections()}. A pool that opens a replacement before it closes the
 * connection it replaces, and holds it ready meanwhile, is counted correctly as long as {@code connections()} counts
 * that replacement: that is the one method to change.
 */
public final class PoolSizeSampler implements AutoCloseable {

    /** How often the size is read. */
    public static final Duration INTERVAL = Duration.ofMillis(2);

    private final PoolUnderTest pool;
    private final int baseline;
    private final AtomicInteger minimum;
    private final AtomicLong samples = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private PoolSizeSampler(PoolUnderTest pool) {
        this.pool = pool;
        this.baseline = pool.connections();
        this.minimum = new AtomicInteger(baseline);
        // Named without the pool name: threads named after the pool are the library's.
        this.thread = new Thread(this::sample, "pool-size-sampler-" + pool.kind());
        this.thread.setDaemon(true);
    }

    /**
     * Reads the size once as the baseline, then starts sampling.
     *
     * @param pool the pool to watch
     * @return the running sampler
     */
    public static PoolSizeSampler start(PoolUnderTest pool) {
        PoolSizeSampler sampler = new PoolSizeSampler(pool);
        sampler.thread.start();
        return sampler;
    }

    private void sample() {
        while (running) {
            minimum.accumulateAndGet(pool.connections(), Math::min);
            samples.incrementAndGet();
            LockSupport.parkNanos(INTERVAL.toNanos());
        }
    }

    /** @return the size read when sampling began */
    public int baseline() {
        return baseline;
    }

    /** @return the smallest size seen so far, the baseline included */
    public int minimum() {
        return minimum.get();
    }

    /** @return how many times the size was read */
    public long samples() {
        return samples.get();
    }

    /**
     * Stops sampling, after one last reading, and waits for the thread to end.
     *
     * @return this sampler, to read its results
     */
    public PoolSizeSampler stop() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        minimum.accumulateAndGet(pool.connections(), Math::min);
        return this;
    }

    @Override
    public void close() {
        stop();
    }
}
