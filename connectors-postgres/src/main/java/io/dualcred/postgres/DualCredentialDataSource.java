package io.dualcred.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import io.dualcred.postgres.internal.AllRejectedFailFast;
import io.dualcred.postgres.internal.FallbackLoginDataSource;
import io.dualcred.postgres.internal.GenerationTaggedConnection;
import io.dualcred.postgres.internal.HikariReplacementPool;
import io.dualcred.postgres.internal.PostgresAuthFailureClassifier;
import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.spi.ConnectionReplacer;
import io.dualcred.rotation.spi.RotationEngine;
import java.io.Closeable;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A HikariCP connection pool for PostgreSQL that keeps working while the database password is rotated.
 *
 * <p>It is a {@link DataSource} like {@link HikariDataSource}, built from the usual HikariCP settings plus a
 * {@link CredentialSource} that holds the CURRENT credential and, during a rotation, the NEXT one:
 * <pre>{@code
 * DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
 *         .hikariConfig(config)                                   // jdbcUrl, pool size, timeouts... no username
 *         .credentialSource(CredentialSources.environment("DB"))  // DB_USER, DB_PASSWORD_CURRENT, DB_PASSWORD_NEXT
 *         .build();
 * }</pre>
 *
 * <p>Borrowing a connection is HikariCP's own fast path. Only when HikariCP opens a new physical connection does the
 * shared {@link RotationEngine} take part: it logs in with the active credential and, if PostgreSQL rejects it
 * (SQLState 28P01 or 28000), re-reads the source, logs in with the other credential, makes that one active and
 * replaces the connections opened with the old one, make before break (each is retired only once its replacement
 * has logged in; busy ones when they are returned). Failures
 * that are not authentication failures (server down, too many connections...) reach callers exactly as they would
 * from plain HikariCP.
 *
 * <p>When every credential is rejected, {@link #getConnection()} fails promptly, instead of waiting for
 * {@code connectionTimeout}, with an {@link SQLException} that keeps the server's reply: its SQLState is the server's
 * ({@code 28P01} or {@code 28000}), its message names the pool and the slots and usernames tried and quotes the
 * server, and its cause is pgjdbc's exception. Logins then back off as configured in {@link RotationConfig}; a fixed
 * secret is picked up without a restart.
 *
 * <p>Operators check {@link #status()} (the {@link RotationControl} every dualcred pool offers; also published over JMX as {@code io.dualcred:type=Rotation,name=<pool>}
 * when {@code registerMbeans} is on) to see which credential an instance uses before they revoke the old one.
 * Nothing this class logs, throws or publishes contains a password.
 */
public final class DualCredentialDataSource implements DataSource, RotationControl, Closeable {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(DualCredentialDataSource.class);

    private final String poolName;
    private final RotationEngine engine;
    private final HikariDataSource hikari;
    /** HikariCP's pool, for waits bounded below connectionTimeout; {@code null} if HikariCP changes its type. */
    private final HikariPool boundedWaits;
    private final AllRejectedFailFast failFast;
    private final ConnectionReplacer<Connection> replacer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DualCredentialDataSource(String poolName, RotationEngine engine, HikariDataSource hikari,
                                     AllRejectedFailFast failFast, ConnectionReplacer<Connection> replacer) {
        this.poolName = poolName;
        this.engine = engine;
        this.hikari = hikari;
        this.boundedWaits = hikari.getHikariPoolMXBean() instanceof HikariPool pool ? pool : null;
        this.failFast = failFast;
        this.replacer = replacer;
    }

    /** @return a builder with HikariCP's defaults and no credential source */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Borrows a connection from the pool.
     *
     * @return a pooled connection; closing it returns it to the pool
     * @throws SQLException with the server's SQLState ({@code 28P01} or {@code 28000}) and reply when every
     *     credential is rejected and the pool has no connection left to lend; otherwise as
     *     {@link HikariDataSource#getConnection()} throws, e.g. {@link java.sql.SQLTransientConnectionException}
     *     after {@code connectionTimeout}
     */
    @Override
    public Connection getConnection() throws SQLException {
        // enter() registers this thread before it looks at the rejection state, which is what makes the wake-up
        // race-free (see AllRejectedFailFast); it throws the rejection at once during a backoff if the pool is empty.
        AllRejectedFailFast.Borrower borrower = failFast.enter();
        Connection connection;
        try {
            connection = borrowCurrentGeneration(borrower);
        } catch (SQLException | RuntimeException failure) {
            AllCredentialsRejectedException rejected = failFast.leave(borrower);
            if (rejected != null) {
                throw AllRejectedFailFast.toSqlException(rejected);
            }
            throw failure;
        } catch (Error error) {
            failFast.leave(borrower);
            throw error;
        }
        // A wake-up that raced with a successful borrow is cleared here; the caller keeps its connection.
        failFast.leaveWithConnection(borrower);
        return connection;
    }

    /**
     * Not supported, as with HikariCP: credentials come from the credential source.
     *
     * @throws SQLFeatureNotSupportedException always
     */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(poolName
                + " - credentials come from the credential source; use getConnection()");
    }

    /** @return a snapshot of the rotation state: active slot and username, source revision, counters */
    @Override
    public RotationStatus status() {
        return engine.status();
    }

    /**
     * Re-reads the credential source now. A newly staged NEXT shows in the status afterwards; after a promotion (the
     * source no longer lists the credential in use) new connections log in with the new CURRENT at once, and the old
     * connections are replaced one by one, each once its replacement is ready. During a backoff after every
     * credential was rejected, new credentials are tried at the next login.
     *
     * @return the status after the read
     */
    @Override
    public RotationStatus refresh() {
        return engine.refresh();
    }

    /**
     * Replaces every connection open now, make before break: each is retired only once a replacement has logged in
     * with the active credential (idle ones at once, busy ones when next borrowed after their return). The pool does
     * this by itself after a switch or a promotion; call it to move a pool that needs no new connection onto a
     * password changed on the server before the store knows it.
     */
    @Override
    public void evictConnections() {
        engine.evictConnections();
    }

    /**
     * Evicts one borrowed connection, as {@link HikariDataSource#evictConnection(Connection)} does: at once if it is
     * still open, when returned otherwise.
     *
     * @param connection a connection borrowed from this pool
     */
    public void evictConnection(Connection connection) {
        hikari.evictConnection(connection);
    }

    /** @return HikariCP's pool MXBean: connection counts, soft eviction, suspension */
    public HikariPoolMXBean getHikariPoolMXBean() {
        return hikari.getHikariPoolMXBean();
    }

    /** @return HikariCP's configuration MXBean: the settings that may change at runtime (pool size, timeouts) */
    public HikariConfigMXBean getHikariConfigMXBean() {
        return hikari.getHikariConfigMXBean();
    }

    /** @return the pool name, which prefixes log lines and names the MBeans */
    @Override
    public String poolName() {
        return poolName;
    }

    /** @return the pool name, as {@link HikariDataSource#getPoolName()} names it; the same as {@link #poolName()} */
    public String getPoolName() {
        return poolName;
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the pool's connections, stops the credential source watch and unregisters the MBeans. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // First: from now on nobody is woken, so HikariCP's shutdown, which closes connections callers hold, cannot
        // make a wake look right to a caller that holds a connection.
        failFast.close();
        try {
            replacer.close();
            // Before HikariCP: this wakes HikariCP's connection adder if it is waiting out a backoff inside a login
            // (see FallbackLoginDataSource), so that HikariCP's shutdown does not wait for it.
            engine.close();
            hikari.close();
        } finally {
            failFast.close();
            engine.close();
            LOG.info("{} - closed", poolName);
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return hikari.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        hikari.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        hikari.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return hikari.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return hikari.getParentLogger();
    }

    /**
     * Unwraps to this object or to the underlying {@link HikariDataSource} (and its MXBean interfaces), for
     * frameworks that bind HikariCP metrics. Borrowing from the HikariDataSource directly skips the prompt 28P01
     * failure and the borrow-time check described in the README; new connections still log in through the
     * credential source.
     *
     * @param iface the wanted type
     * @return this or the HikariDataSource
     * @throws SQLException when neither is an instance of {@code iface}
     */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        if (iface.isInstance(hikari)) {
            return iface.cast(hikari);
        }
        throw new SQLException(poolName + " - not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isInstance(hikari);
    }

    /** @return the pool name and active username; never a password */
    @Override
    public String toString() {
        return "DualCredentialDataSource[" + poolName + ", " + engine.status().activeSlot() + " "
                + engine.status().activeUsername() + (closed.get() ? ", closed" : "") + "]";
    }

    /**
     * Borrows from HikariCP and retires a connection of an older credential generation when its replacement is ready
     * (make before break): HikariCP then takes the ready replacement at once and the caller borrows again. Without a
     * ready replacement the old connection serves the caller; its session stays valid on the server. The check is
     * one type check and two volatile reads per borrow.
     */
    private Connection borrowCurrentGeneration(AllRejectedFailFast.Borrower borrower) throws SQLException {
        while (true) {
            Connection connection = borrow(borrower);
            if (!replacer.retirementPending()) {
                return connection;
            }
            GenerationTaggedConnection physical = connection.unwrap(GenerationTaggedConnection.class);
            if (!replacer.mayRetire(physical.generation())) {
                return connection;
            }
            LOG.debug("{} - retiring a connection of generation {}; its replacement is ready", poolName,
                    physical.generation());
            hikari.evictConnection(connection);
        }
    }

    /**
     * Borrows from HikariCP, waiting at most {@link AllRejectedFailFast#MAX_WAIT_WHILE_REJECTED} instead of
     * {@code connectionTimeout} when every credential is rejected and the pool is empty. The bound is kept by this
     * thread itself, so it holds however busy the machine is. If logins succeeded again before the bound ran out,
     * the caller keeps waiting for the rest of {@code connectionTimeout}, as with a healthy pool. {@link HikariPool#getConnection(long)} is public and its
     * package exported, though left out of HikariCP's Javadoc; if a later HikariCP hides it, {@code boundedWaits} is
     * {@code null} and waiters rely on being woken (see {@link AllRejectedFailFast}).
     */
    private Connection borrow(AllRejectedFailFast.Borrower borrower) throws SQLException {
        AllCredentialsRejectedException rejected = borrower.rejectedWhenEntering();
        if (rejected == null || boundedWaits == null || hikari.isClosed()) {
            return hikari.getConnection();
        }
        long started = System.nanoTime();
        try {
            return boundedWaits.getConnection(AllRejectedFailFast.MAX_WAIT_WHILE_REJECTED.toMillis());
        } catch (SQLTransientConnectionException noConnectionYet) {
            long remaining = hikari.getConnectionTimeout()
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (failFast.rejection() != null) {
                throw AllRejectedFailFast.toSqlException(rejected);
            }
            if (remaining <= 0) {
                throw noConnectionYet;
            }
            // A login succeeded meanwhile and another caller got its connection: the pool works again, so this
            // caller waits as callers of a healthy pool do, instead of reporting a rejection that is over.
            return boundedWaits.getConnection(remaining);
        }
    }

    /**
     * Builds a {@link DualCredentialDataSource}. Takes HikariCP's settings (directly, from an existing
     * {@link HikariConfig}, or through {@link #configure(Consumer)}), a credential source and optionally a
     * {@link RotationConfig} and listeners. Each method checks its own argument; {@link #build()} checks the
     * combination and names the field at fault.
     */
    public static final class Builder {

        private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
        private static final String POSTGRES_DRIVER = "org.postgresql.Driver";

        private HikariConfig base;
        private final List<Consumer<HikariConfig>> settings = new ArrayList<>();
        private CredentialSource credentialSource;
        private RotationConfig rotation = RotationConfig.ofDefaults();
        private final List<RotationListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Starts from a copy of an existing HikariCP configuration (the object itself is not changed or kept). The
         * other settings of this builder apply on top, whatever the order of the calls. The configuration must
         * have a {@code jdbcUrl} and no {@code username}, {@code password}, credentials provider or
         * {@code dataSource}: the pool logs in with the credential source.
         *
         * @param config the configuration to copy
         * @return this builder
         */
        public Builder hikariConfig(HikariConfig config) {
            Objects.requireNonNull(config, "hikariConfig");
            HikariConfig copy = new HikariConfig();
            config.copyStateTo(copy);
            this.base = copy;
            return this;
        }

        /**
         * @param jdbcUrl a PostgreSQL URL without credentials, e.g. {@code jdbc:postgresql://db:5432/app}
         * @return this builder
         */
        public Builder jdbcUrl(String jdbcUrl) {
            requireNonBlank(jdbcUrl, "jdbcUrl");
            return set(config -> config.setJdbcUrl(jdbcUrl));
        }

        /**
         * @param poolName prefixes log lines and names the MBeans; default {@code DualCredentialPool-<n>}
         * @return this builder
         */
        public Builder poolName(String poolName) {
            requireNonBlank(poolName, "poolName");
            return set(config -> config.setPoolName(poolName));
        }

        /**
         * @param size the most connections the pool holds; at least 1 (HikariCP's default is 10)
         * @return this builder
         */
        public Builder maximumPoolSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("maximumPoolSize must be at least 1, was " + size);
            }
            return set(config -> config.setMaximumPoolSize(size));
        }

        /**
         * @param idle how many idle connections the pool keeps; at least 0 (HikariCP's default: maximumPoolSize)
         * @return this builder
         */
        public Builder minimumIdle(int idle) {
            if (idle < 0) {
                throw new IllegalArgumentException("minimumIdle must not be negative, was " + idle);
            }
            return set(config -> config.setMinimumIdle(idle));
        }

        /**
         * @param timeout how long {@code getConnection()} waits for a connection; at least 250 ms (default 30 s)
         * @return this builder
         */
        public Builder connectionTimeout(Duration timeout) {
            long millis = atLeast(timeout, Duration.ofMillis(250), "connectionTimeout");
            return set(config -> config.setConnectionTimeout(millis));
        }

        /**
         * @param timeout how long a connection may sit idle above {@code minimumIdle}; zero for never, otherwise at
         *     least 10 s (default 10 min)
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            long millis = zeroOrAtLeast(timeout, Duration.ofSeconds(10), "idleTimeout");
            return set(config -> config.setIdleTimeout(millis));
        }

        /**
         * @param lifetime the longest a connection lives; zero for no limit, otherwise at least 30 s (default 30 min)
         * @return this builder
         */
        public Builder maxLifetime(Duration lifetime) {
            long millis = zeroOrAtLeast(lifetime, Duration.ofSeconds(30), "maxLifetime");
            return set(config -> config.setMaxLifetime(millis));
        }

        /**
         * @param interval how often idle connections are tested; zero for never, otherwise at least 30 s (default
         *     2 min)
         * @return this builder
         */
        public Builder keepaliveTime(Duration interval) {
            long millis = zeroOrAtLeast(interval, Duration.ofSeconds(30), "keepaliveTime");
            return set(config -> config.setKeepaliveTime(millis));
        }

        /**
         * @param timeout how long a connection test may take; at least 250 ms (default 5 s)
         * @return this builder
         */
        public Builder validationTimeout(Duration timeout) {
            long millis = atLeast(timeout, Duration.ofMillis(250), "validationTimeout");
            return set(config -> config.setValidationTimeout(millis));
        }

        /**
         * HikariCP's start-up check, with its meaning unchanged: positive — {@link #build()} keeps trying to open a
         * first connection for this long (HikariCP pauses one second between tries) and fails if it cannot; zero —
         * one try, and the pool starts even if it fails; negative — no connection is opened at start. The default
         * (1 ms) makes one try. Each try logs in through the credential source (CURRENT, then NEXT), so a pool
         * whose CURRENT is rejected starts on NEXT, and with both rejected the try fails with the server's SQLState.
         *
         * @param timeout the start-up check's duration
         * @return this builder
         */
        public Builder initializationFailTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "initializationFailTimeout");
            long millis = timeout.isNegative() ? -1 : timeout.toMillis();
            return set(config -> config.setInitializationFailTimeout(millis));
        }

        /**
         * @param register whether to register HikariCP's MBeans and the rotation MBean
         *     ({@code io.dualcred:type=Rotation,name=<pool>}); default off
         * @return this builder
         */
        public Builder registerMbeans(boolean register) {
            return set(config -> config.setRegisterMbeans(register));
        }

        /**
         * @param name a pgjdbc connection property, e.g. {@code ApplicationName} or {@code sslmode}; not {@code user}
         *     or {@code password}
         * @param value its value
         * @return this builder
         */
        public Builder dataSourceProperty(String name, Object value) {
            requireNonBlank(name, "dataSourceProperty name");
            Objects.requireNonNull(value, "dataSourceProperty value");
            if (isCredentialProperty(name)) {
                throw new IllegalArgumentException("dataSourceProperty '" + name
                        + "' is not allowed: the credential source supplies user and password");
            }
            return set(config -> config.addDataSourceProperty(name, value));
        }

        /**
         * @param factory a HikariCP metrics tracker factory (Micrometer, Prometheus...)
         * @return this builder
         */
        public Builder metricsTrackerFactory(MetricsTrackerFactory factory) {
            Objects.requireNonNull(factory, "metricsTrackerFactory");
            return set(config -> config.setMetricsTrackerFactory(factory));
        }

        /**
         * @param registry a metric registry HikariCP knows (Dropwizard or Micrometer)
         * @return this builder
         */
        public Builder metricRegistry(Object registry) {
            Objects.requireNonNull(registry, "metricRegistry");
            return set(config -> config.setMetricRegistry(registry));
        }

        /**
         * @param registry a Dropwizard health-check registry
         * @return this builder
         */
        public Builder healthCheckRegistry(Object registry) {
            Objects.requireNonNull(registry, "healthCheckRegistry");
            return set(config -> config.setHealthCheckRegistry(registry));
        }

        /**
         * Applies any other HikariCP setting (schema, connectionInitSql, leakDetectionThreshold, threadFactory...).
         * Runs at {@link #build()}, in call order with the other settings, on the pool's own copy of the
         * configuration.
         *
         * @param setting changes the configuration
         * @return this builder
         */
        public Builder configure(Consumer<HikariConfig> setting) {
            return set(Objects.requireNonNull(setting, "configure"));
        }

        /**
         * @param source where the pool reads CURRENT and NEXT; read once by {@link #build()}, then on every
         *     rejected login, on {@link DualCredentialDataSource#refresh()} and on the refresh schedule
         * @return this builder
         */
        public Builder credentialSource(CredentialSource source) {
            this.credentialSource = Objects.requireNonNull(source, "credentialSource");
            return this;
        }

        /**
         * @param uri a source URI such as {@code env:DB}, {@code sysprop:db} or {@code file:/etc/secrets/db}
         * @return this builder
         * @throws io.dualcred.rotation.CredentialSourceException when no provider handles the URI
         */
        public Builder credentialSource(String uri) {
            requireNonBlank(uri, "credentialSource");
            return credentialSource(CredentialSources.fromUri(uri));
        }

        /**
         * @param config backoff after every credential was rejected, login retry budget, refresh schedule; default
         *     {@link RotationConfig#ofDefaults()}
         * @return this builder
         */
        public Builder rotation(RotationConfig config) {
            this.rotation = Objects.requireNonNull(config, "rotation");
            return this;
        }

        /**
         * @param listener receives rotation events (switches, rejections, promotions, evictions), in addition to the
         *     listeners of the {@link RotationConfig}
         * @return this builder
         */
        public Builder listener(RotationListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Reads the credential source, starts the pool and, per {@code initializationFailTimeout}, opens a first
         * connection.
         *
         * @return the running pool
         * @throws IllegalStateException naming the field when the configuration cannot work (no credential source,
         *     no jdbcUrl, a username or password in the HikariCP configuration...)
         * @throws io.dualcred.rotation.CredentialSourceException when the source cannot be read, naming the field
         * @throws RuntimeException HikariCP's {@code PoolInitializationException} when the start-up check fails; when
         *     every credential was rejected its cause is an {@link SQLException} with the server's SQLState
         *     ({@code 28P01} or {@code 28000}) naming the slots and usernames tried
         */
        public DualCredentialDataSource build() {
            if (credentialSource == null) {
                throw new IllegalStateException("credentialSource is required: the pool logs in with the CURRENT "
                        + "and NEXT credentials it holds (e.g. CredentialSources.environment(\"DB\"))");
            }
            HikariConfig config = new HikariConfig();
            if (base != null) {
                base.copyStateTo(config);
            }
            settings.forEach(setting -> setting.accept(config));
            String jdbcUrl = checkConfiguration(config);
            if (config.getPoolName() == null) {
                config.setPoolName("DualCredentialPool-" + POOL_NUMBER.incrementAndGet());
            }
            String poolName = config.getPoolName();

            // The engine needs the replacer as its evictor, the replacer logs in through the data source HikariCP
            // uses, and that data source needs the engine: the loop is closed once each exists.
            FallbackLoginDataSource[] logins = new FallbackLoginDataSource[1];
            HikariReplacementPool[] replacementPool = new HikariReplacementPool[1];
            ConnectionReplacer<Connection> replacer = new ConnectionReplacer<>(poolName,
                    credential -> logins[0].open(credential), new ConnectionReplacer.Pool<>() {
                        @Override
                        public int olderThan(long generation) {
                            return replacementPool[0] == null ? 0 : replacementPool[0].olderThan(generation);
                        }

                        @Override
                        public void retireOneIdle(long generation) {
                            if (replacementPool[0] != null) {
                                replacementPool[0].retireOneIdle(generation);
                            }
                        }

                        @Override
                        public void discard(Connection connection) {
                            logins[0].discard(connection);
                        }
                    });
            RotationConfig rotationConfig = rotationWithListeners();
            RotationEngine engine = RotationEngine.builder(poolName)
                    .source(credentialSource)
                    .classifier(new PostgresAuthFailureClassifier())
                    .evictor(replacer)
                    .config(rotationConfig)
                    .start();
            replacer.attach(engine);
            AllRejectedFailFast failFast = new AllRejectedFailFast(poolName, engine);
            try {
                logins[0] = new FallbackLoginDataSource(poolName, jdbcUrl, config.getDataSourceProperties(),
                        rotationConfig.tagSessions(), engine, failFast);
                logins[0].replaceWith(replacer);
                config.setDataSource(logins[0]);
                HikariDataSource hikari = new HikariDataSource(config);
                logins[0].poolStarted(hikari::isRunning);
                replacementPool[0] = new HikariReplacementPool(poolName, logins[0]);
                replacementPool[0].bind(hikari, replacer);
                failFast.bind(hikari.getHikariPoolMXBean());
                registerMBean(engine, hikari);
                RotationStatus status = engine.status();
                LOG.info("{} - started: new connections log in as {} {} from {}", poolName, status.activeSlot(),
                        status.activeUsername(), status.source());
                return new DualCredentialDataSource(poolName, engine, hikari, failFast, replacer);
            } catch (RuntimeException | Error e) {
                replacer.close();
                failFast.close();
                engine.close();
                throw e;
            }
        }

        private Builder set(Consumer<HikariConfig> setting) {
            settings.add(setting);
            return this;
        }

        private RotationConfig rotationWithListeners() {
            if (listeners.isEmpty()) {
                return rotation;
            }
            RotationConfig.Builder withListeners = RotationConfig.from(rotation);
            listeners.forEach(withListeners::listener);
            return withListeners.build();
        }

        private static void registerMBean(RotationEngine engine, HikariDataSource hikari) {
            if (!hikari.isRegisterMbeans()) {
                return;
            }
            try {
                engine.registerMBean();
            } catch (IllegalStateException e) {
                // HikariCP itself starts when its MBeans cannot be registered; so does the rotation MBean.
                LOG.warn("{}", e.getMessage());
            }
        }

        /** @return the jdbcUrl, after checking that nothing in the configuration bypasses the credential source */
        private static String checkConfiguration(HikariConfig config) {
            String jdbcUrl = config.getJdbcUrl();
            if (jdbcUrl == null || jdbcUrl.isBlank()) {
                throw new IllegalStateException("jdbcUrl is required, e.g. jdbc:postgresql://db:5432/app");
            }
            Properties urlProperties = org.postgresql.Driver.parseURL(jdbcUrl, null);
            if (urlProperties == null) {
                // The URL is not repeated: a malformed one may still carry a secret.
                throw new IllegalStateException("jdbcUrl is not a PostgreSQL JDBC URL; expected "
                        + "jdbc:postgresql://host:port/database");
            }
            if (urlProperties.getProperty("user") != null || urlProperties.getProperty("password") != null) {
                throw new IllegalStateException("jdbcUrl must not contain user or password parameters: the "
                        + "credential source supplies them");
            }
            if (config.getUsername() != null) {
                throw new IllegalStateException("username is set in the HikariCP configuration; remove it: HikariCP "
                        + "would then log in by itself and bypass the credential source");
            }
            if (config.getPassword() != null) {
                throw new IllegalStateException("password is set in the HikariCP configuration; remove it: the "
                        + "credential source supplies passwords");
            }
            if (hasCredentialsProvider(config)) {
                throw new IllegalStateException("credentialsProvider is set in the HikariCP configuration; remove it:"
                        + " the credential source supplies credentials");
            }
            if (config.getDataSource() != null || config.getDataSourceClassName() != null
                    || config.getDataSourceJNDI() != null) {
                throw new IllegalStateException("dataSource, dataSourceClassName and dataSourceJNDI cannot be used: "
                        + "the pool opens connections itself from jdbcUrl and dataSourceProperties");
            }
            String driverClassName = config.getDriverClassName();
            if (driverClassName != null && !driverClassName.isBlank() && !POSTGRES_DRIVER.equals(driverClassName)) {
                throw new IllegalStateException("driverClassName must be " + POSTGRES_DRIVER + " or unset, was "
                        + driverClassName);
            }
            for (Map.Entry<Object, Object> property : config.getDataSourceProperties().entrySet()) {
                if (isCredentialProperty(String.valueOf(property.getKey()))) {
                    throw new IllegalStateException("dataSourceProperties must not contain '" + property.getKey()
                            + "': the credential source supplies user and password");
                }
            }
            return jdbcUrl;
        }

        // HikariCP 7 added credentials providers; dualcred also runs on HikariCP 6, which cannot have one.
        private static boolean hasCredentialsProvider(HikariConfig config) {
            try {
                return config.getCredentialsProvider() != null || config.getCredentialsProviderClassName() != null;
            } catch (NoSuchMethodError olderThanHikariCp7) {
                return false;
            }
        }

        private static boolean isCredentialProperty(String name) {
            return "user".equalsIgnoreCase(name) || "password".equalsIgnoreCase(name);
        }

        private static void requireNonBlank(String value, String name) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
        }

        private static long atLeast(Duration value, Duration minimum, String name) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(minimum) < 0) {
                throw new IllegalArgumentException(name + " must be at least " + minimum.toMillis() + " ms, was "
                        + value.toMillis() + " ms");
            }
            return value.toMillis();
        }

        private static long zeroOrAtLeast(Duration value, Duration minimum, String name) {
            Objects.requireNonNull(value, name);
            if (value.isZero()) {
                return 0;
            }
            return atLeast(value, minimum, name);
        }
    }
}
