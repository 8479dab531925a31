package io.dualcred.postgres;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Client threads that borrow a connection, run {@code SELECT 1} and return it, as fast as they can, counting
 * operations and failures and timing the longest operation. Used by the rotation tests and the benchmark.
 */
final class QueryLoad implements AutoCloseable {

    private static final int KEPT_FAILURES = 10;

    private final DataSource dataSource;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch started;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Queue<Throwable> keptFailures = new ConcurrentLinkedQueue<>();
    private final AtomicLong longestNanos = new AtomicLong();
    private volatile boolean running = true;

    private QueryLoad(DataSource dataSource, int threadCount, String name) {
        this.dataSource = dataSource;
        this.started = new CountDownLatch(threadCount);
        for (int i = 0; i < threadCount; i++) {
            Thread thread = new Thread(this::run, name + "-client-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /**
     * @param dataSource the pool to load
     * @param threadCount how many client threads
     * @param name names the threads
     * @return the running load, once every thread runs
     */
    static QueryLoad start(DataSource dataSource, int threadCount, String name) throws InterruptedException {
        QueryLoad load = new QueryLoad(dataSource, threadCount, name);
        load.threads.forEach(Thread::start);
        load.started.await();
        return load;
    }

    long operations() {
        return operations.get();
    }

    long failures() {
        return failures.get();
    }

    /** @return the longest any one operation took, failed or not */
    Duration longest() {
        return Duration.ofNanos(longestNanos.get());
    }

    /** @return whether every client thread has ended; after {@link #stop()}, whether none was stuck */
    boolean stopped() {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    /** @return up to ten of the failures, for assertion messages */
    List<Throwable> someFailures() {
        return List.copyOf(keptFailures);
    }

    /** Waits until the clients completed {@code count} more operations than now. */
    void awaitMoreOperations(long count) {
        long target = operations() + count;
        await().atMost(Duration.ofSeconds(60)).until(() -> operations() >= target);
    }

    /** Stops the clients and waits for them to finish their current operation. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void run() {
        started.countDown();
        while (running) {
            long begun = System.nanoTime();
            try (Connection connection = dataSource.getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT 1")) {
                result.next();
                operations.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                failures.incrementAndGet();
                if (keptFailures.size() < KEPT_FAILURES) {
                    keptFailures.add(e);
                }
            }
            longestNanos.accumulateAndGet(System.nanoTime() - begun, Math::max);
        }
    }
}
