package io.dualcred.sources;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link CredentialSource} over a {@link RemoteStore}: what the Vault, AWS and Google sources are.
 *
 * <ul>
 *   <li><b>Cached, single flight.</b> {@link #load()} serves the last read for the cache TTL, and concurrent loads
 *       share one read ({@link CredentialSources#cached}).</li>
 *   <li><b>A rejection bypasses the cache exactly once.</b> {@link #loadFresh()}, which the engine calls after the
 *       server rejected a credential, always reads the store, and fresh loads arriving together share that read; the
 *       set it finds is cached again for the loads that follow.</li>
 *   <li><b>Changes are polled.</b> While at least one pool {@linkplain #watch watches} the source, one daemon thread
 *       asks the store's cheap version call every poll interval (however many pools watch) and tells the pools when
 *       the version moved, when the store stops answering and when it answers again; the pools then {@code load()},
 *       and the engine reports a failing store with its reason, keeping its last good credentials.</li>
 *   <li><b>Counted.</b> {@link #calls()} tells how many calls the source made to the store.</li>
 * </ul>
 *
 * <p>At the defaults (a 30 s poll, a 30 s cache) one JVM asks the store 120 version checks an hour while nothing
 * changes, and reads it once per change it notices and once per rejected login (see the module README for measured
 * numbers per store).
 */
public final class RemoteCredentialSource implements CredentialSource {

    /** How long a read is served from the cache by default. */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(30);
    /** How often the store's version is polled by default while a pool watches. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);

    private final RemoteStore store;
    private final StoreCallCounter counter;
    private final AtomicLong reads = new AtomicLong();
    private final ChangePoller poller;
    private final CredentialSource cache;

    private RemoteCredentialSource(Builder builder) {
        this.store = builder.store;
        this.counter = builder.counter;
        this.poller = new ChangePoller(store, builder.pollInterval);
        this.cache = CredentialSources.cached(new StoreReader(), builder.cacheTtl);
    }

    /**
     * @param store the store location
     * @param counter the counter the store counts its calls with
     * @return a builder with the default cache TTL and poll interval
     */
    public static Builder builder(RemoteStore store, StoreCallCounter counter) {
        return new Builder(store, counter);
    }

    @Override
    public CredentialSet load() throws Exception {
        return cache.load();
    }

    @Override
    public CredentialSet loadFresh() throws Exception {
        return cache.loadFresh();
    }

    @Override
    public Watch watch(Runnable changed) {
        return cache.watch(changed);
    }

    /** @return the calls made to the store so far; cheap, for a gauge */
    public StoreCalls calls() {
        return new StoreCalls(counter.calls(), counter.failures(), reads.get(), poller.checks());
    }

    @Override
    public String description() {
        return store.description();
    }

    @Override
    public String toString() {
        return store.description();
    }

    /** Reads the store: what the cache calls on a miss and on every fresh load. */
    private final class StoreReader implements CredentialSource {

        @Override
        public CredentialSet load() throws Exception {
            reads.incrementAndGet();
            StoreRead read = store.read();
            poller.seen(read.version());
            return read.credentials();
        }

        @Override
        public Watch watch(Runnable changed) {
            return poller.add(changed);
        }

        @Override
        public String description() {
            return store.description();
        }
    }

    /** Settings of a {@link RemoteCredentialSource}. */
    public static final class Builder {
        private final RemoteStore store;
        private final StoreCallCounter counter;
        private Duration cacheTtl = DEFAULT_CACHE_TTL;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;

        private Builder(RemoteStore store, StoreCallCounter counter) {
            this.store = Objects.requireNonNull(store, "store");
            this.counter = Objects.requireNonNull(counter, "counter");
        }

        /**
         * @param ttl how long a read is served to {@code load()} without asking the store; positive
         * @return this builder
         */
        public Builder cacheTtl(Duration ttl) {
            this.cacheTtl = requirePositive(ttl, "cacheTtl");
            return this;
        }

        /**
         * @param interval how often the store's version is polled while a pool watches; {@link Duration#ZERO} turns
         *     polling off (the pools then see changes only after a rejection, a refresh or their refresh schedule)
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "pollInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("pollInterval must not be negative, was " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** @return the source */
        public RemoteCredentialSource build() {
            return new RemoteCredentialSource(this);
        }

        private static Duration requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
