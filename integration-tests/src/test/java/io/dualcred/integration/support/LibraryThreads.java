package io.dualcred.integration.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

/**
 * Finds the threads a pool started, by name: HikariCP names its threads after the pool, dualcred names its refresh
 * and fail-fast threads {@code dualcred-<pool>-...} and its directory watch {@code dualcred-watch-<directory>}, and
 * commons-pool runs one shared {@code commons-pool-evictor} for all Jedis pools of the JVM.
 */
public final class LibraryThreads {

    /** The commons-pool thread that evicts idle Jedis connections; it ends when the JVM's last pool closes. */
    public static final String POOL_EVICTOR = "commons-pool-evictor";

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private LibraryThreads() {
    }

    /**
     * @param fragment part of a thread name, e.g. a pool name
     * @return the names of the live threads whose name contains it, except the scenarios' own load threads
     */
    public static List<String> alive(String fragment) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.contains(fragment) && !name.startsWith("load-"))
                .sorted()
                .toList();
    }

    /**
     * Waits until no live thread's name contains {@code fragment}; threads that were told to stop may need a
     * moment to end.
     *
     * @param fragment part of a thread name
     */
    public static void awaitNone(String fragment) {
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(alive(fragment))
                .as("live threads named after '%s'", fragment).isEmpty());
    }
}
