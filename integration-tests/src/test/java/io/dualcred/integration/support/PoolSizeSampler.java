package io.dualcred.integration.support;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * Watches how small a pool gets while it replaces its connections: a thread of its own reads a size every
 * {@link #INTERVAL} and keeps the smallest value, to be compared with a {@link #baseline()}.
 *
 * <p>The load threads also read the size, but only after each operation, and an operation waiting for a connection
 * is exactly when the pool is short: a dip that lasts while every thread waits would never be seen by them.
 *
 * <p>Two sizes can be watched. {@link #start(PoolUnderTest)} reads {@link PoolUnderTest#connections()}, what the pool
 * library itself holds. {@link #start(PoolUnderTest, IntSupplier, int)} reads any other count, such as the user's
 * sessions on the server: that is the one to use for make-before-break replacement, where the replacement is
 * logged in and held ready before the pool library closes the connection it replaces and takes the replacement in.
 * The pool library's own count dips by one for that instant; the sessions the service can use never do.
 */
public final class PoolSizeSampler implements AutoCloseable {

    /** How often the size is read. */
    public static final Duration INTERVAL = Duration.ofMillis(2);

    private final IntSupplier size;
    private final int baseline;
    private final AtomicInteger minimum;
    private final AtomicLong samples = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private PoolSizeSampler(PoolUnderTest pool, IntSupplier size, int baseline) {
        this.size = size;
        this.baseline = baseline;
        this.minimum = new AtomicInteger(Math.min(baseline, size.getAsInt()));
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
        return start(pool, pool::connections, pool.connections());
    }

    /**
     * Starts sampling another count.
     *
     * @param pool the pool to watch, for the thread name
     * @param size what to read, e.g. the user's sessions on the server
     * @param baseline what the smallest reading is compared with
     * @return the running sampler
     */
    public static PoolSizeSampler start(PoolUnderTest pool, IntSupplier size, int baseline) {
        PoolSizeSampler sampler = new PoolSizeSampler(pool, size, baseline);
        sampler.thread.start();
        return sampler;
    }

    private void sample() {
        while (running) {
            minimum.accumulateAndGet(size.getAsInt(), Math::min);
            samples.incrementAndGet();
            LockSupport.parkNanos(INTERVAL.toNanos());
        }
    }

    /** @return what the smallest reading is compared with */
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
        minimum.accumulateAndGet(size.getAsInt(), Math::min);
        return this;
    }

    @Override
    public void close() {
        stop();
    }
}
