package io.dualcred.integration.runbook;

import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client threads that keep every instance of a fleet busy, each thread cycling through the instances, counting
 * completed and failed operations and the slowest one. A failure is kept with its stack trace for the report.
 */
final class Load implements AutoCloseable {

    private static final int KEPT_FAILURES = 10;

    private final String name;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private Load(String name, int threadCount, List<Fleet.Operation> operations) {
        this.name = name;
        for (int t = 0; t < threadCount; t++) {
            int first = t;
            Thread thread = new Thread(() -> work(operations, first), name + "-load-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    static Load start(String name, int threadCount, Fleet fleet) {
        return new Load(name, threadCount, fleet.operations());
    }

    /** Threads cycling through {@code operations}, for a load that is not a fleet of pools. */
    static Load start(String name, int threadCount, List<Fleet.Operation> operations) {
        return new Load(name, threadCount, operations);
    }

    private void work(List<Fleet.Operation> operations, int first) {
        for (long n = first; running; n++) {
            Fleet.Operation operation = operations.get((int) (n % operations.size()));
            long start = System.nanoTime();
            try {
                operation.run();
                completed.incrementAndGet();
            } catch (Exception | AssertionError e) {
                if (failed.incrementAndGet() <= KEPT_FAILURES) {
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    failures.add(Thread.currentThread().getName() + ": " + trace);
                }
            }
            slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
        }
    }

    /** Waits until {@code operations} more operations have completed, so that the load provably ran meanwhile. */
    void awaitProgress(long operations) {
        long target = completed.get() + operations;
        await(name + " to complete " + operations + " more operations").atMost(Fleet.PATIENCE)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> completed.get() >= target);
    }

    long completed() {
        return completed.get();
    }

    long failed() {
        return failed.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    Duration slowest() {
        return Duration.ofNanos(slowestNanos.get());
    }

    /** Stops the threads and waits for them to finish their current operation. */
    void stop() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(Fleet.PATIENCE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name + ": " + completed.get() + " operations, " + failed.get() + " failed, slowest "
                + slowest().toMillis() + " ms";
    }
}
