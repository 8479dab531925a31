package io.dualcred.rotation.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import io.dualcred.rotation.CredentialSource;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon thread that tells a listener when a secret directory changed.
 *
 * <p>It listens to the platform's {@link WatchService} for created, modified and deleted entries (which covers the
 * {@code ..data} link swap, rename-into-place and rewrites), waits until the directory has been quiet for the quiet
 * period so that a burst of writes yields one notice, and then calls the listener. When no watch service is
 * available, or the directory is deleted (which ends the watch key), it polls a cheap fingerprint of the directory
 * instead and goes back to the watch service once the directory exists again.
 */
final class DirectoryWatch implements CredentialSource.Watch {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatch.class);

    /** A burst of writes that never pauses still gets a notice after this many quiet periods. */
    private static final int MAX_SETTLE_ROUNDS = 20;

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final Path directory;
    private final String description;
    private final Duration quietPeriod;
    private final Duration pollInterval;
    private final Runnable changed;
    private final WatchService service;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;

    /** Touched only by the watch thread once it runs; {@code null} while polling. */
    private WatchKey key;

    /** When polling from the start: the directory as it was when watch() was called. */
    private List<String> initialFingerprint;

    private DirectoryWatch(Path directory, String description, Duration quietPeriod, Duration pollInterval,
            DirectoryCredentialSource.WatchServiceFactory factory, Runnable changed) {
        this.directory = directory;
        this.description = description;
        this.quietPeriod = quietPeriod;
        this.pollInterval = pollInterval;
        this.changed = changed;
        this.service = open(factory);
        // Registered before start() returns, so that a change made right after watch() is not missed.
        this.key = register();
        this.initialFingerprint = key == null ? fingerprint() : null;
        Path name = directory.getFileName();
        this.thread = new Thread(this::run, "dualcred-watch-" + (name == null ? directory : name));
        this.thread.setDaemon(true);
    }

    static DirectoryWatch start(Path directory, String description, Duration quietPeriod, Duration pollInterval,
            DirectoryCredentialSource.WatchServiceFactory factory, Runnable changed) {
        DirectoryWatch watch = new DirectoryWatch(directory, description, quietPeriod, pollInterval, factory, changed);
        watch.thread.start();
        return watch;
    }

    /** Stops the thread and waits briefly for it, so that no notice arrives after this returns. */
    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        closeService();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "watch(" + description + ")";
    }

    private WatchService open(DirectoryCredentialSource.WatchServiceFactory factory) {
        try {
            WatchService opened = factory.open(directory);
            // The JDK's generic implementation, used where it has no native one (macOS), scans only every ten
            // seconds; our own fingerprint poll reacts within the poll interval.
            if (opened.getClass().getSimpleName().equals("PollingWatchService")) {
                opened.close();
                LOG.debug("{} - no native watch service; polling every {} ms", description, pollInterval.toMillis());
                return null;
            }
            return opened;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{} - cannot watch for changes ({}); polling every {} ms", description, e.toString(),
                    pollInterval.toMillis());
            return null;
        }
    }

    private WatchKey register() {
        if (service == null) {
            return null;
        }
        try {
            return directory.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
        } catch (IOException e) {
            return null;
        }
    }

    private void run() {
        try {
            while (!isClosing()) {
                if (key != null) {
                    awaitChange();
                } else {
                    pollUntilWatchable(initialFingerprint != null ? initialFingerprint : fingerprint());
                    initialFingerprint = null;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        } finally {
            closeService();
        }
    }

    /** Blocks until the directory changes, then notifies once it has been quiet. */
    private void awaitChange() throws InterruptedException {
        WatchKey signalled = service.take();
        if (drain(signalled) && settle()) {
            notifyChanged();
        }
    }

    /**
     * Absorbs further events until none arrive for a quiet period.
     *
     * @return {@code false} when the watch key ended, i.e. the directory went away
     */
    private boolean settle() throws InterruptedException {
        for (int round = 0; round < MAX_SETTLE_ROUNDS; round++) {
            WatchKey more = service.poll(quietPeriod.toNanos(), TimeUnit.NANOSECONDS);
            if (more == null) {
                return true;
            }
            if (!drain(more)) {
                return false;
            }
        }
        return true;
    }

    /** @return whether the key is still valid; when not, the thread switches to polling */
    private boolean drain(WatchKey signalled) {
        signalled.pollEvents(); // the kind of event does not matter: any change, or an overflow, means re-read
        if (signalled.reset()) {
            return true;
        }
        LOG.debug("{} - the directory went away; polling every {} ms until it is back", description,
                pollInterval.toMillis());
        key = null;
        return false;
    }

    /** Polls the fingerprint until the watch service can take over again, notifying on every settled change. */
    private void pollUntilWatchable(List<String> seen) throws InterruptedException {
        List<String> last = seen;
        while (!isClosing()) {
            if (closing.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
            if (service != null && Files.isDirectory(directory)) {
                key = register();
                if (key != null) {
                    // The directory came back; whatever it holds now is new to us.
                    if (settle()) {
                        notifyChanged();
                    }
                    return;
                }
            }
            List<String> now = fingerprint();
            if (!now.equals(last)) {
                last = awaitStableFingerprint(now);
                notifyChanged();
            }
        }
    }

    private List<String> awaitStableFingerprint(List<String> seen) throws InterruptedException {
        List<String> previous = seen;
        for (int round = 0; round < MAX_SETTLE_ROUNDS; round++) {
            if (closing.await(quietPeriod.toNanos(), TimeUnit.NANOSECONDS)) {
                return previous;
            }
            List<String> now = fingerprint();
            if (now.equals(previous)) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    /** Names, sizes, modification times and link targets of the entries: cheap, and changes with any update. */
    private List<String> fingerprint() {
        List<String> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path entry : stream) {
                entries.add(describe(entry));
            }
        } catch (NoSuchFileException e) {
            return List.of("absent");
        } catch (IOException e) {
            return List.of("unreadable " + e.getClass().getSimpleName());
        }
        entries.sort(null);
        return entries;
    }

    private static String describe(Path entry) {
        String name = String.valueOf(entry.getFileName());
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String line = name + " " + attributes.size() + " " + attributes.lastModifiedTime();
            return attributes.isSymbolicLink() ? line + " -> " + Files.readSymbolicLink(entry) : line;
        } catch (IOException e) {
            return name + " gone";
        }
    }

    private void notifyChanged() {
        if (isClosing()) {
            return;
        }
        try {
            changed.run();
        } catch (RuntimeException e) {
            LOG.warn("{} - the change listener failed", description, e);
        }
    }

    private boolean isClosing() {
        return closing.getCount() == 0;
    }

    private void closeService() {
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("{} - closing the watch service failed", description, e);
            }
        }
    }
}
