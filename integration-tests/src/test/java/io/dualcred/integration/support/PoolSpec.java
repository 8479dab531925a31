package io.dualcred.integration.support;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a scenario wants its pool: a name, a credential source, the rotation settings and the few pool settings the
 * scenarios vary. Defaults are short, so that the suite runs in minutes: backoff 200 ms doubling to 1 s, no login
 * retry budget, no refresh schedule, 8 connections, 5 s to wait for one.
 */
public final class PoolSpec {

    /** The default pool size. */
    public static final int SIZE = 8;

    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final String name;
    private final CredentialSource source;
    private RotationConfig rotation = RotationConfig.custom()
            .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
            .build();
    private int size = SIZE;
    private Duration connectionTimeout = Duration.ofSeconds(5);
    private boolean mbeans;
    private boolean connectAtStart = true;
    private final List<RotationListener> listeners = new ArrayList<>();

    private PoolSpec(String label, CredentialSource source) {
        // '#' on both sides of the number: no pool name is a substring of another, so threads can be told apart
        this.name = label + "#" + NUMBER.incrementAndGet() + "#";
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * @param label says what the pool is for; the pool name adds a number unique in this JVM
     * @param source the pool's credential source
     * @return a spec with the defaults
     */
    public static PoolSpec of(String label, CredentialSource source) {
        return new PoolSpec(label, source);
    }

    /**
     * @param config backoff, retry budget, refresh schedule
     * @return this spec
     */
    public PoolSpec rotation(RotationConfig config) {
        this.rotation = Objects.requireNonNull(config, "rotation");
        return this;
    }

    /**
     * The rotation settings of one instance of a fleet: the default backoff, the store re-read every 100 ms (so that
     * one promotion reaches every pool within the same moment, as it does a fleet), and this replacement window.
     *
     * @param replacementWindow how long each pool spreads the replacement of its old connections over
     * @return this spec
     */
    public PoolSpec fleetMember(Duration replacementWindow) {
        return rotation(RotationConfig.custom()
                .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                .refreshInterval(Duration.ofMillis(100))
                .replacementWindow(replacementWindow)
                .build());
    }

    /**
     * @param connections the pool's maximum size (HikariCP maximumPoolSize, Jedis maxTotal)
     * @return this spec
     */
    public PoolSpec size(int connections) {
        this.size = connections;
        return this;
    }

    /**
     * @param timeout how long a caller waits for a connection (HikariCP connectionTimeout, Jedis maxWait)
     * @return this spec
     */
    public PoolSpec connectionTimeout(Duration timeout) {
        this.connectionTimeout = timeout;
        return this;
    }

    /**
     * @param register whether to register the rotation MBean (and HikariCP's)
     * @return this spec
     */
    public PoolSpec mbeans(boolean register) {
        this.mbeans = register;
        return this;
    }

    /**
     * @param connect whether building the pool opens a first connection (HikariCP's start-up check)
     * @return this spec
     */
    public PoolSpec connectAtStart(boolean connect) {
        this.connectAtStart = connect;
        return this;
    }

    /**
     * @param listener receives the pool's events, in addition to the redaction scan
     * @return this spec
     */
    public PoolSpec listener(RotationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** @return the pool name, unique in this JVM */
    public String name() {
        return name;
    }

    CredentialSource source() {
        return source;
    }

    RotationConfig rotation() {
        return rotation;
    }

    int size() {
        return size;
    }

    Duration connectionTimeout() {
        return connectionTimeout;
    }

    boolean mbeans() {
        return mbeans;
    }

    boolean connectAtStart() {
        return connectAtStart;
    }

    List<RotationListener> listeners() {
        return List.copyOf(listeners);
    }
}
