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
 * unless the properties set one). Each is returned as a {@link GenerationTaggedConnection} and counted while it is
 * open, by generation, so that the pool's {@link ConnectionReplacer} knows how many old connections remain. When the
 * replacer holds a replacement ready (logged in before an old connection was retired), HikariCP gets that one
 * without a login.
 */
public final class FallbackLoginDataSource implements DataSource {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FallbackLoginDataSource.class);

    private static final String LOGIN_TIMEOUT = "loginTimeout";

    private final String poolName;
    private final String jdbcUrl;
    private final Properties driverProperties;
    private final RotationEngine engine;
    private final AllRejectedFailFast failFast;
    private final Driver driver = new org.postgresql.Driver();
    private final Set<GenerationTaggedConnection> open = ConcurrentHashMap.newKeySet();
    private volatile ConnectionReplacer<Connection> replacer;

    private volatile int loginTimeoutSeconds;
    private volatile PrintWriter logWriter;

    /**
     * @param poolName the pool name, for log lines and messages
     * @param jdbcUrl a {@code jdbc:postgresql:} URL without credentials
     * @param driverProperties pgjdbc connection properties without {@code user} or {@code password}
     * @param engine the rotation engine
     * @param failFast told about rejected and accepted logins
     */
    public FallbackLoginDataSource(String poolName, String jdbcUrl, Properties driverProperties, RotationEngine engine,
                                   AllRejectedFailFast failFast) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.driverProperties = new Properties();
        for (Map.Entry<Object, Object> property : driverProperties.entrySet()) {
            this.driverProperties.setProperty(property.getKey().toString(), String.valueOf(property.getValue()));
        }
        this.engine = Objects.requireNonNull(engine, "engine");
        this.failFast = Objects.requireNonNull(failFast, "failFast");
    }

    /**
     * Opens a physical connection through the engine.
     *
     * @return a {@link GenerationTaggedConnection}
     * @throws SQLException with SQLState 28P01 when every credential is rejected (or the engine is backing off
     *     after that); the driver's exception, unchanged, for any other failure
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
                this::retireNow, open::remove);
        open.add(tagged);
        return tagged;
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
        Connection connection = driver.connect(jdbcUrl, properties);
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
            return engine.openWithFallback(this::open);
        } catch (AllCredentialsRejectedException rejected) {
            failFast.loginsRejected(rejected);
            throw AllRejectedFailFast.toSqlException(rejected);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLNonTransientConnectionException(poolName + " - interrupted while logging in", "08001", e);
        } catch (Exception e) {
            throw new SQLNonTransientConnectionException(poolName + " - login failed: " + e, "08001", e);
        }
    }

    private void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("{} - closing an unused connection failed: {}", poolName, e.toString());
        }
    }
}
