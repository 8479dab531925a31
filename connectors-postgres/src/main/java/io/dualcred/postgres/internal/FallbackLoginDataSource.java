package io.dualcred.postgres.internal;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.spi.ConnectionReplacer;
import io.dualcred.rotation.spi.Login;
import io.dualcred.rotation.spi.RotationEngine;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The {@link DataSource} HikariCP is given instead of a JDBC URL and a username: HikariCP calls
 * {@link #getConnection()} for every new physical connection, and each call logs in through
 * {@link RotationEngine#openWithFallback}, which tries the active credential and falls back to the others.
 *
 * <p>Connections are opened with pgjdbc's {@link org.postgresql.Driver} directly, with the pool's driver
 * properties plus {@code user} and {@code password} from the credential (and {@code loginTimeout} from HikariCP
 * unless the properties set one), and {@code ApplicationName} tagged with the credential's version
 * ({@link ApplicationNameTag}). Each is returned as a {@link GenerationTaggedConnection} and counted while it is
 * open, by generation, so that the pool's {@link ConnectionReplacer} knows how many old connections remain. When the
 * replacer holds a replacement ready (logged in before an old connection was retired), HikariCP gets that one
 * without a login.
 *
 * <h2>Every credential rejected: HikariCP's adder waits here, not in its own backoff</h2>
 * Once the pool runs, only HikariCP's single connection-adder thread calls {@link #getConnection()}. HikariCP
 * sleeps that thread between failed logins, 10 ms doubling up to 5 s, and a source fixed while it sleeps goes
 * unnoticed until it wakes: the pool recovered seconds after the store was fixed. So while every credential is
 * rejected the adder is not handed the failure again and again: it waits inside this call, holding no lock, for
 * the engine's next login round (the end of its backoff) or a change of the source, whichever comes first
 * ({@link RotationEngine#awaitEndOfBackoff()}), and logs in then. A fixed store is used as soon as the engine sees
 * it, and the server sees no more logins than before: one per credential per backoff step.
 * <ul>
 *   <li>Callers of the pool are not kept waiting by this: {@link AllRejectedFailFast} fails them promptly, and each
 *       rejected round is reported to it at once.</li>
 *   <li>HikariCP still gets the first rejection, and a rejection whose SQLState differs from the one it got:
 *       callers that wait in HikariCP until {@code connectionTimeout} (the pool still held connections) get it as
 *       the cause of HikariCP's timeout, with the server's reply and SQLState.</li>
 *   <li>The wait ends with the pool: once HikariCP no longer runs (closing, suspended) the failure is handed over as
 *       before, and closing the engine, which {@code DualCredentialDataSource.close()} does before closing
 *       HikariCP, wakes a waiting adder at once. The start-up check, which runs before the pool does, is never
 *       kept waiting.</li>
 * </ul>
 */
public final class FallbackLoginDataSource implements DataSource {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FallbackLoginDataSource.class);

    private static final String LOGIN_TIMEOUT = "loginTimeout";

    private final String poolName;
    private final String jdbcUrl;
    private final Properties driverProperties;
    private final ApplicationNameTag tag;
    private final RotationEngine engine;
    private final AllRejectedFailFast failFast;
    private final Driver driver = new org.postgresql.Driver();
    private final Set<GenerationTaggedConnection> open = ConcurrentHashMap.newKeySet();
    private volatile ConnectionReplacer<Connection> replacer;
    /** Whether HikariCP runs; {@code null} until it has started. */
    private volatile BooleanSupplier poolRunning;
    /** The SQLState of the rejection HikariCP was last given, or {@code null} since the last accepted login. */
    private volatile String rejectionGivenToPool;

    private volatile int loginTimeoutSeconds;
    private volatile PrintWriter logWriter;

    /**
     * @param poolName the pool name, for log lines and messages
     * @param jdbcUrl a {@code jdbc:postgresql:} URL without credentials
     * @param driverProperties pgjdbc connection properties without {@code user} or {@code password}
     * @param tagSessions whether each session's {@code application_name} shows the version of its credential
     * @param engine the rotation engine
     * @param failFast told about rejected and accepted logins
     */
    public FallbackLoginDataSource(String poolName, String jdbcUrl, Properties driverProperties, boolean tagSessions,
                                   RotationEngine engine, AllRejectedFailFast failFast) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.driverProperties = new Properties();
        for (Map.Entry<Object, Object> property : driverProperties.entrySet()) {
            this.driverProperties.setProperty(property.getKey().toString(), String.valueOf(property.getValue()));
        }
        this.tag = new ApplicationNameTag(jdbcUrl, this.driverProperties, tagSessions);
        this.engine = Objects.requireNonNull(engine, "engine");
        this.failFast = Objects.requireNonNull(failFast, "failFast");
    }

    /**
     * Opens a physical connection through the engine.
     *
     * @return a {@link GenerationTaggedConnection}
     * @throws SQLException with the server's SQLState ({@code 28P01} or {@code 28000}) when every credential is
     *     rejected (see {@link AllRejectedFailFast#toSqlException}); the driver's exception, unchanged, for any other
     *     failure
     */
    @Override
    public Connection getConnection() throws SQLException {
        ConnectionReplacer<Connection> replacing = replacer;
        Login<Connection> login = replacing == null ? null : replacing.takeReady();
        if (login == null) {
            login = login();
        }
        failFast.loginAccepted();
        GenerationTaggedConnection tagged = new GenerationTaggedConnection(login.connection(), login.generation(),
                this::retireNow, this::closed);
        open.add(tagged);
        // Counted before HikariCP can lend it: see AllRejectedFailFast, "Why no stray interrupt is left behind".
        failFast.connectionHandedOut();
        return tagged;
    }

    private void closed(GenerationTaggedConnection connection) {
        open.remove(connection);
        failFast.connectionClosed();
    }

    /**
     * Tells this data source that HikariCP has started, so that from now on its adder waits out the engine's backoff
     * here instead of failing (see the class description).
     *
     * @param running whether HikariCP still runs
     */
    public void poolStarted(BooleanSupplier running) {
        this.poolRunning = Objects.requireNonNull(running, "running");
    }

    /**
     * @param connectionReplacer replaces old connections make before break; set once, before the pool starts
     */
    public void replaceWith(ConnectionReplacer<Connection> connectionReplacer) {
        this.replacer = Objects.requireNonNull(connectionReplacer, "connectionReplacer");
    }

    /**
     * @param generation the generation in force
     * @return how many connections handed to HikariCP and not yet closed belong to an older generation
     */
    public int openOlderThan(long generation) {
        int older = 0;
        for (GenerationTaggedConnection connection : open) {
            if (connection.generation() < generation) {
                older++;
            }
        }
        return older;
    }

    /**
     * Opens one connection with a credential, as HikariCP's new connections are opened: for the replacer's logins.
     *
     * @param credential the credential
     * @return the driver's connection
     * @throws SQLException as the driver throws
     */
    public Connection open(Credential credential) throws SQLException {
        Properties properties = new Properties();
        properties.putAll(driverProperties);
        int timeout = loginTimeoutSeconds;
        if (timeout > 0 && !properties.containsKey(LOGIN_TIMEOUT)) {
            properties.setProperty(LOGIN_TIMEOUT, Integer.toString(timeout));
        }
        properties.setProperty("user", credential.username());
        properties.setProperty("password", credential.password());
        tag.apply(properties, credential);
        String url = tag.loginUrl();
        Connection connection;
        try {
            connection = driver.connect(url, properties);
        } catch (SQLException e) {
            throw MultiHostRejection.reveal(driver, url, properties, e);
        }
        if (connection == null) {
            throw new SQLNonTransientConnectionException(poolName + " - pgjdbc does not accept the jdbcUrl", "08001");
        }
        return connection;
    }

    /** Closes a connection the pool never took. */
    public void discard(Connection connection) {
        closeQuietly(connection);
    }

    private boolean retireNow(long generation) {
        ConnectionReplacer<Connection> replacing = replacer;
        return replacing != null && replacing.mayRetire(generation);
    }

    /**
     * Not supported: credentials come from the pool's credential source.
     *
     * @throws SQLFeatureNotSupportedException always
     */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(poolName
                + " - credentials come from the credential source; getConnection(username, password) is not supported");
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** HikariCP sets this from {@code connectionTimeout}; it becomes pgjdbc's {@code loginTimeout}. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException(poolName + " - not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    /** @return the pool name and URL; never a credential */
    @Override
    public String toString() {
        return "FallbackLoginDataSource[" + poolName + ", " + jdbcUrl + "]";
    }

    private Login<Connection> login() throws SQLException {
        try {
            while (true) {
                try {
                    Login<Connection> login = engine.openWithFallback(this::open);
                    rejectionGivenToPool = null;
                    return login;
                } catch (AllCredentialsRejectedException rejected) {
                    failFast.loginsRejected(rejected);
                    SQLException failure = AllRejectedFailFast.toSqlException(rejected);
                    if (!waitsForNextRound(failure)) {
                        throw failure;
                    }
                    engine.awaitEndOfBackoff();
                }
            }
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLNonTransientConnectionException(poolName + " - interrupted while logging in", "08001", e);
        } catch (Exception e) {
            throw new SQLNonTransientConnectionException(poolName + " - login failed: " + e, "08001", e);
        }
    }

    /** @return whether HikariCP's adder waits for the engine's next login round instead of getting the failure */
    private boolean waitsForNextRound(SQLException failure) {
        BooleanSupplier running = poolRunning;
        if (running == null || !running.getAsBoolean()) {
            return false;
        }
        if (!failure.getSQLState().equals(rejectionGivenToPool)) {
            rejectionGivenToPool = failure.getSQLState();
            return false;
        }
        return true;
    }

    private void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("{} - closing an unused connection failed: {}", poolName, e.toString());
        }
    }
}
