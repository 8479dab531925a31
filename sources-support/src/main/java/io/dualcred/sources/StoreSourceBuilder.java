package io.dualcred.sources;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings every store source's builder has: the timeout of one call to the store, the cache TTL and the poll
 * interval, and how a URI's {@code timeout}, {@code cache-ttl} and {@code poll-interval} parameters set them.
 *
 * @param <B> the store's builder, returned by each setter
 */
public abstract class StoreSourceBuilder<B extends StoreSourceBuilder<B>> {

    /** How long one call to a store may take by default, connection included. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /** The timeout of one call to the store. */
    protected Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration cacheTtl = RemoteCredentialSource.DEFAULT_CACHE_TTL;
    private Duration pollInterval = RemoteCredentialSource.DEFAULT_POLL_INTERVAL;

    /** For the store modules' builders. */
    protected StoreSourceBuilder() {
    }

    /**
     * @param timeout how long one call to the store may take, connection included; keep it below the pools'
     *     {@code sourceTimeout} (5 s by default) so that a slow store fails a read before a pool gives up on it
     * @return this builder
     */
    public B requestTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "requestTimeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
        }
        this.requestTimeout = timeout;
        return self();
    }

    /**
     * @param ttl how long a read is served to the pools' plain loads (a rejection always reads the store)
     * @return this builder
     */
    public B cacheTtl(Duration ttl) {
        this.cacheTtl = Objects.requireNonNull(ttl, "cacheTtl");
        return self();
    }

    /**
     * @param interval how often the store's version is polled while a pool watches; zero turns polling off
     * @return this builder
     */
    public B pollInterval(Duration interval) {
        this.pollInterval = Objects.requireNonNull(interval, "pollInterval");
        return self();
    }

    /**
     * Takes {@code timeout}, {@code cache-ttl} and {@code poll-interval} from a URI's parameters, where given.
     *
     * @param parameters the URI's parameters
     * @return this builder
     */
    public B timings(SourceParameters parameters) {
        Duration timeout = parameters.takeDuration("timeout");
        if (timeout != null) {
            requestTimeout(timeout);
        }
        Duration ttl = parameters.takeDuration("cache-ttl");
        if (ttl != null) {
            cacheTtl(ttl);
        }
        Duration poll = parameters.takeDuration("poll-interval");
        if (poll != null) {
            pollInterval(poll);
        }
        return self();
    }

    /**
     * @param store the store, counting its calls with {@code counter}
     * @param counter the counter
     * @return the source over the store, with this builder's cache TTL and poll interval
     */
    protected RemoteCredentialSource source(RemoteStore store, StoreCallCounter counter) {
        return RemoteCredentialSource.builder(store, counter).cacheTtl(cacheTtl).pollInterval(pollInterval).build();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
