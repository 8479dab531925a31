package io.dualcred.postgres.internal;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.Login;
import io.dualcred.rotation.RotationEngine;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
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
 * unless the properties set one). Each is returned as a {@link GenerationTaggedConnection}. A login that completes
 * after a switch or an eviction that it did not take part in is closed and redone, so that HikariCP is not handed a
 * connection that the eviction has already missed.
 */
public final class FallbackLoginDataSource implements DataSource {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FallbackLoginDataSource.class);

    /** How often a login overtaken by evictions is redone before it is handed over anyway. */
    private static final int MAX_LOGINS_PER_CONNECTION = 3;

    private static final String LOGIN_TIMEOUT = "loginTimeout";

    private final String poolName;
    private final String jdbcUrl;
    private final Properties driverProperties;
    private final RotationEngine engine;
    private final AllRejectedFailFast failFast;
    private final Driver driver = new org.postgresql.Driver();

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
        for (int attempt = 1; ; attempt++) {
            Login<Connection> login = login();
            failFast.loginAccepted();
            GenerationTaggedConnection tagged = new GenerationTaggedConnection(login.connection(), login.generation(),
                    engine::isStale);
            if (!tagged.isStale() || attempt == MAX_LOGINS_PER_CONNECTION) {
                return tagged;
            }
            // Another thread switched or evicted while this login was in flight; its soft eviction ran before this
            // connection could reach the pool, so it would be missed (HikariCP #1836). Log in again instead.
            LOG.debug("{} - discarding a connection of generation {} opened during a switch or eviction", poolName,
                    login.generation());
            closeQuietly(login.connection());
        }
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

    private Connection open(Credential credential) throws SQLException {
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

    private void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("{} - closing a discarded connection failed: {}", poolName, e.toString());
        }
    }
}
