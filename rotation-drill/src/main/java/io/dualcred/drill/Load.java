package io.dualcred.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * Continuous load on one client: {@code threads} threads, each running the client's operation back to back (no
 * think time) and recording every outcome in the client's {@link ClientMeter}.
 *
 * <p>After a failed operation a thread pauses {@value #PAUSE_AFTER_FAILURE_MILLIS} ms, as a caller would before
 * trying again. Without the pause a pool that fails in microseconds (plain Jedis meeting {@code WRONGPASS}) turns
 * the load into a login storm of tens of thousands per second, which starves the server and the machine for the
 * other pool and measures the load generator instead of the pools.
 */
final class Load {

    static final long PAUSE_AFTER_FAILURE_MILLIS = 10;

    /** One operation against the pool: borrow, run a trivial command, give back. */
    @FunctionalInterface
    interface Operation {
        void run() throws Exception;
    }

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    Load(String name, int threadCount, Operation operation, ClientMeter meter) {
        for (int i = 1; i <= threadCount; i++) {
            Thread thread = new Thread(() -> loop(operation, meter), "drill-" + name + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Tells the threads to stop after their current operation. */
    void stop() {
        running = false;
    }

    /**
     * Waits for the threads' last operations (a plain pool's may wait up to its connection timeout).
     *
     * @param waitMillis how long to wait for each thread
     */
    void awaitStopped(long waitMillis) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(waitMillis);
        }
    }

    private void loop(Operation operation, ClientMeter meter) {
        while (running) {
            long start = System.nanoTime();
            try {
                operation.run();
                meter.succeeded(System.nanoTime() - start);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                meter.failed(System.nanoTime() - start, e);
                if (!pause()) {
                    return;
                }
            }
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(PAUSE_AFTER_FAILURE_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
