package io.dualcred.rotation.spi;

import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationListener;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the listeners, in the order they happened, on a thread of the pool's own. Events are built only
 * when someone listens, always after the state change they describe, and never on the thread that caused it: that
 * thread may be opening a connection for the pool (HikariCP's adder, a Jedis borrower), and a listener that borrows
 * from the same pool or calls {@code refresh()} and waits would otherwise stall that login or deadlock with it.
 */
final class EventDispatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final String poolName;
    private final List<RotationListener> listeners;
    private final ExecutorService ownThread;
    private final Executor delivery;

    EventDispatcher(String poolName, List<RotationListener> listeners, Executor given) {
        this.poolName = poolName;
        this.listeners = List.copyOf(listeners);
        if (this.listeners.isEmpty() || given != null) {
            this.ownThread = null;
            this.delivery = given;
        } else {
            this.ownThread = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "dualcred-" + poolName + "-events");
                thread.setDaemon(true);
                return thread;
            });
            this.delivery = ownThread;
        }
    }

    /** @param event builds the event; called only when there are listeners */
    void publish(Supplier<RotationEvent> event) {
        if (listeners.isEmpty()) {
            return;
        }
        RotationEvent built = event.get();
        try {
            delivery.execute(() -> deliver(built));
        } catch (RejectedExecutionException closed) {
            LOG.debug("{} - {} not delivered: the pool is closed", poolName, built.getClass().getSimpleName());
        }
    }

    private void deliver(RotationEvent event) {
        for (RotationListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("{} - rotation listener {} failed on {}: {}", poolName, listener.getClass().getName(),
                        event.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** Lets the events already published be delivered, then stops the event thread. */
    @Override
    public void close() {
        if (ownThread != null) {
            ownThread.shutdown();
        }
    }
}
