package io.dualcred.sources;

import io.dualcred.rotation.CredentialSource.Watch;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a store's version call on one daemon thread while anyone watches, and tells the watchers when the version
 * moved away from the last one seen (by a read or a poll), when the store stops answering and when it answers again.
 * A store that keeps failing is reported once, not at every poll: each report makes every watching pool read the
 * store, and that read is what publishes the failure, with its reason, on the pool.
 */
final class ChangePoller {

    private static final Logger LOG = LoggerFactory.getLogger(ChangePoller.class);

    private final RemoteStore store;
    private final Duration interval;
    private final Set<Runnable> watchers = new CopyOnWriteArraySet<>();
    private final AtomicLong checks = new AtomicLong();
    private final Object lock = new Object();
    /** Guarded by lock: runs while there are watchers. */
    private ScheduledExecutorService executor;
    /** The change token last seen; null before the first read or poll. */
    private volatile String lastVersion;
    /** Only the poll thread touches it. */
    private boolean failing;

    ChangePoller(RemoteStore store, Duration interval) {
        this.store = store;
        this.interval = interval;
    }

    /** @param version the token a read found; {@code null} when the read could not tell */
    void seen(String version) {
        if (version != null) {
            lastVersion = version;
        }
    }

    long checks() {
        return checks.get();
    }

    Watch add(Runnable changed) {
        Objects.requireNonNull(changed, "changed");
        if (interval.isZero()) {
            return Watch.NONE;
        }
        // A wrapper per watch, so that one pool watching twice with the same callback gets two independent watches.
        Runnable watcher = changed::run;
        synchronized (lock) {
            watchers.add(watcher);
            if (executor == null) {
                executor = Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "dualcred-store-poll");
                    thread.setDaemon(true);
                    return thread;
                });
                long millis = interval.toMillis();
                executor.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
            }
        }
        return () -> remove(watcher);
    }

    private void remove(Runnable watcher) {
        synchronized (lock) {
            if (watchers.remove(watcher) && watchers.isEmpty() && executor != null) {
                executor.shutdownNow();
                executor = null;
            }
        }
    }

    private void poll() {
        String version;
        try {
            checks.incrementAndGet();
            version = store.version();
        } catch (Exception | Error e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // the last watch closed while this check ran
            }
            if (!failing) {
                failing = true;
                LOG.warn("{} - version check failed; the pools keep their credentials: {}", store.description(),
                        e.toString());
                tellWatchers();
            }
            return;
        }
        boolean recovered = failing;
        failing = false;
        String before = lastVersion;
        lastVersion = version;
        if (recovered) {
            LOG.info("{} - the store answers again", store.description());
        }
        // The first answer, before any read, is the baseline: the pools read the store when they start anyway.
        if (recovered || before != null && !before.equals(version)) {
            LOG.debug("{} - the store's version changed", store.description());
            tellWatchers();
        }
    }

    private void tellWatchers() {
        for (Runnable watcher : watchers) {
            try {
                watcher.run();
            } catch (RuntimeException e) {
                LOG.warn("{} - a change listener failed: {}", store.description(), e.toString());
            }
        }
    }
}
