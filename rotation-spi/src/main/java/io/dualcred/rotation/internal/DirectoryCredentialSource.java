package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A directory with one file per key ({@code USER}, {@code PASSWORD_CURRENT}, {@code PASSWORD_NEXT},
 * {@code USER_NEXT}, {@code VERSION_CURRENT}, {@code VERSION_NEXT}), as written by a Kubernetes secret volume, Vault Agent or the CSI secrets-store driver.
 *
 * <p>Two ways of updating the directory are handled:
 * <ul>
 *   <li>The Kubernetes layout, where each key is a link into {@code ..data}, itself a link to a timestamped
 *       directory that is replaced by an atomic rename. The link is resolved once per read and every key is read
 *       from that one target, so a swap in the middle of a read cannot mix old and new values.</li>
 *   <li>Plain files, replaced by rename-into-place or rewritten in place. A rewrite can be caught half done, so when
 *       any key file was modified within the quiet period before the read, the read waits out the rest of the
 *       period and reads again, until two reads agree and nothing is younger than the quiet period.</li>
 * </ul>
 *
 * <p>Each file's value is its content as UTF-8 with one trailing line break removed (secrets are often written
 * with {@code echo}).
 */
public final class DirectoryCredentialSource extends DescribedCredentialSource {

    /** How long a key file must be left alone before its content is trusted. */
    public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(200);

    /** How often the directory is checked when the platform cannot report changes. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** How many reads a load makes while files keep changing before it gives up. */
    static final int MAX_READS = 5;

    private static final String DATA_LINK = "..data";

    private final Path directory;
    private final Duration quietPeriod;
    private final Duration pollInterval;
    private final Clock clock;
    private final Sleeper sleeper;
    private final FileReader fileReader;
    private final WatchServiceFactory watchServiceFactory;

    private DirectoryCredentialSource(Builder builder) {
        super("file:" + builder.directory);
        this.directory = builder.directory;
        this.quietPeriod = builder.quietPeriod;
        this.pollInterval = builder.pollInterval;
        this.clock = builder.clock;
        this.sleeper = builder.sleeper;
        this.fileReader = builder.fileReader;
        this.watchServiceFactory = builder.watchServiceFactory;
    }

    /**
     * @param directory the secret directory; it must exist and be readable when {@link Builder#build()} is called
     * @return a builder with the defaults
     */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * Reads the set, waiting for a rewrite in progress to finish.
     *
     * @return the set
     * @throws CredentialSourceException when the directory or a required file is missing, unreadable or blank, or
     *         when the files are still changing after {@value #MAX_READS} reads
     * @throws InterruptedException when interrupted while waiting for a rewrite to finish
     */
    @Override
    public CredentialSet load() throws InterruptedException {
        Snapshot previous = null;
        for (int read = 1; read <= MAX_READS; read++) {
            Snapshot snapshot = readSnapshot();
            if (snapshot == null) {
                continue; // the ..data target was replaced and removed while we read it: read the new one
            }
            Duration unsettled = unsettledFor(snapshot);
            boolean agrees = previous == null || snapshot.sameValuesAs(previous);
            if (unsettled.isZero() && agrees) {
                return CredentialKeys.assemble(description, snapshot.values::get, key -> key, "is missing");
            }
            previous = snapshot;
            if (!unsettled.isZero() && read < MAX_READS) {
                sleeper.sleep(unsettled);
            }
        }
        throw new CredentialSourceException(description + ": files are still changing after " + MAX_READS
                + " reads; the last good credentials stay in use until they settle");
    }

    /**
     * Watches the directory with the platform's {@link WatchService}, falling back to polling, and calls
     * {@code changed} once the directory has been quiet for the quiet period after a change.
     *
     * @param changed called on the watch thread
     * @return the running watch; closing it stops the thread
     */
    @Override
    public Watch watch(Runnable changed) {
        Objects.requireNonNull(changed, "changed");
        return DirectoryWatch.start(directory, description, quietPeriod, pollInterval, watchServiceFactory,
                changed);
    }

    /** @return how much longer to wait before the snapshot can be trusted; zero when it can be trusted now */
    private Duration unsettledFor(Snapshot snapshot) {
        if (snapshot.atomic || snapshot.newestChange == null) {
            return Duration.ZERO; // a ..data target is complete before the link points at it
        }
        Duration age = Duration.between(snapshot.newestChange, clock.instant());
        // A file dated further in the future than the quiet period is clock skew, not a write in progress; waiting
        // for it would block every load until the clocks agree.
        if (age.compareTo(quietPeriod) >= 0 || age.compareTo(quietPeriod.negated()) < 0) {
            return Duration.ZERO;
        }
        return quietPeriod.minus(age);
    }

    /** @return the values of one consistent read, or {@code null} when the ..data target vanished mid-read */
    private Snapshot readSnapshot() {
        requireDirectory();
        Path dataLink = directory.resolve(DATA_LINK);
        boolean atomic = Files.isSymbolicLink(dataLink);
        Path base = directory;
        if (atomic) {
            try {
                base = directory.resolve(Files.readSymbolicLink(dataLink));
            } catch (IOException e) {
                throw unreadable(DATA_LINK, e);
            }
        }
        Map<String, String> values = new HashMap<>();
        Instant newestChange = null;
        for (String key : CredentialKeys.ALL) {
            Path file = base.resolve(key);
            try {
                values.put(key, decode(key, fileReader.read(file)));
                // Stat after reading: a write that lands in between makes the file look younger, never older.
                Instant modified = Files.getLastModifiedTime(file).toInstant();
                if (newestChange == null || modified.isAfter(newestChange)) {
                    newestChange = modified;
                }
            } catch (NoSuchFileException e) {
                if (atomic && !Files.isDirectory(base)) {
                    return null;
                }
                values.remove(key); // an optional key; a required one is reported by CredentialKeys
            } catch (IOException e) {
                throw unreadable(key, e);
            }
        }
        return new Snapshot(values, newestChange, atomic);
    }

    private void requireDirectory() {
        if (!Files.exists(directory)) {
            throw new CredentialSourceException(description + ": the directory does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw new CredentialSourceException(description + ": not a directory");
        }
    }

    private CredentialSourceException unreadable(String key, IOException e) {
        return new CredentialSourceException(description + ": cannot read " + key + " ("
                + e.getClass().getSimpleName() + ")", e);
    }

    private String decode(String key, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // Replacing bad bytes would silently produce a wrong password; say so instead.
            throw new CredentialSourceException(description + ": " + key + " is not valid UTF-8");
        }
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    /** What one pass over the key files found. Holds secrets, so it has no revealing {@code toString}. */
    private static final class Snapshot {
        final Map<String, String> values;
        final Instant newestChange;
        final boolean atomic;

        Snapshot(Map<String, String> values, Instant newestChange, boolean atomic) {
            this.values = values;
            this.newestChange = newestChange;
            this.atomic = atomic;
        }

        boolean sameValuesAs(Snapshot other) {
            return values.equals(other.values);
        }

        @Override
        public String toString() {
            return "Snapshot[keys=" + values.keySet() + "]";
        }
    }

    /** Waits; the default sleeps the calling thread, tests advance a fake clock instead. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * @param duration how long to wait; positive
         * @throws InterruptedException when interrupted
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Reads a whole key file; replaceable so that tests can act between two reads of one load. */
    @FunctionalInterface
    public interface FileReader {
        /**
         * @param file the key file
         * @return its bytes
         * @throws IOException when it cannot be read; {@link NoSuchFileException} when it does not exist
         */
        byte[] read(Path file) throws IOException;
    }

    /** Opens a watch service; replaceable so that tests can force the polling fallback. */
    @FunctionalInterface
    public interface WatchServiceFactory {
        /**
         * @param directory the directory to be watched
         * @return a new watch service
         * @throws IOException when the platform cannot watch
         */
        WatchService open(Path directory) throws IOException;
    }

    /** Options of a {@link DirectoryCredentialSource}; {@link #build()} checks that the directory is usable. */
    public static final class Builder {
        private final Path directory;
        private Duration quietPeriod = DEFAULT_QUIET_PERIOD;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        private FileReader fileReader = Files::readAllBytes;
        private WatchServiceFactory watchServiceFactory = dir -> dir.getFileSystem().newWatchService();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        }

        /**
         * @param quietPeriod how long key files must be left alone before they are read as final; zero or more
         * @return this builder
         */
        public Builder quietPeriod(Duration quietPeriod) {
            if (quietPeriod == null || quietPeriod.isNegative()) {
                throw new IllegalArgumentException("quietPeriod must be zero or positive, was " + quietPeriod);
            }
            this.quietPeriod = quietPeriod;
            return this;
        }

        /**
         * @param pollInterval how often to check the directory when it cannot be watched; positive
         * @return this builder
         */
        public Builder pollInterval(Duration pollInterval) {
            if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * @param clock the clock that file modification times are compared with
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @param sleeper how a load waits for a rewrite to finish
         * @return this builder
         */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /**
         * @param fileReader how key files are read
         * @return this builder
         */
        public Builder fileReader(FileReader fileReader) {
            this.fileReader = Objects.requireNonNull(fileReader, "fileReader");
            return this;
        }

        /**
         * @param watchServiceFactory how the watch service is opened
         * @return this builder
         */
        public Builder watchServiceFactory(WatchServiceFactory watchServiceFactory) {
            this.watchServiceFactory = Objects.requireNonNull(watchServiceFactory, "watchServiceFactory");
            return this;
        }

        /**
         * @return the source
         * @throws CredentialSourceException when the directory does not exist, is not a directory or cannot be
         *         listed
         */
        public DirectoryCredentialSource build() {
            DirectoryCredentialSource source = new DirectoryCredentialSource(this);
            source.requireDirectory();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                entries.iterator().hasNext();
            } catch (IOException e) {
                throw new CredentialSourceException(source.description + ": the directory cannot be read ("
                        + e.getClass().getSimpleName() + ")", e);
            }
            return source;
        }
    }
}
