package io.dualcred.testservers;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Callers that keep asking a pool for service at a steady pace, as a service does while its server refuses it, and
 * note when a call first succeeded. Paced rather than as fast as they can: calls that fail at once would otherwise
 * spin and take the processor from the pool's own threads on a small machine.
 */
public final class PacedCallers implements AutoCloseable {

    private final ScheduledExecutorService threads;
    private final AtomicReference<Instant> firstSuccess = new AtomicReference<>();

    private PacedCallers(int count, Duration pause, BooleanSupplier call) {
        this.threads = Executors.newScheduledThreadPool(count, task -> {
            Thread thread = new Thread(task, "paced-caller");
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < count; i++) {
            threads.scheduleWithFixedDelay(() -> {
                if (succeeds(call)) {
                    firstSuccess.compareAndSet(null, Instant.now());
                }
            }, 0, pause.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * @param count how many callers
     * @param pause how long each pauses between the end of one call and the start of the next
     * @param call one call; returns whether it succeeded; a call that throws failed
     * @return the running callers
     */
    public static PacedCallers start(int count, Duration pause, BooleanSupplier call) {
        return new PacedCallers(count, pause, call);
    }

    /** @return when a call first succeeded, if one did */
    public Optional<Instant> firstSuccess() {
        return Optional.ofNullable(firstSuccess.get());
    }

    private static boolean succeeds(BooleanSupplier call) {
        try {
            return call.getAsBoolean();
        } catch (RuntimeException failed) {
            return false;
        }
    }

    /** Stops the callers and waits for the calls under way to end. */
    @Override
    public void close() throws InterruptedException {
        threads.shutdownNow();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("paced callers still running 30 s after being stopped");
        }
    }
}
