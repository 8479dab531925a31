package io.dualcred.integration.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationEvent;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * A pool that runs one statement per operation against any JDBC URL (multi-host, PgBouncer): a dualcred pool, or a
 * plain HikariCP pool with a fixed password as the comparison. A dualcred pool records the rotation events it
 * publishes.
 */
public final class SqlPool implements PoolUnderTest {

    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final String sql;
    private final DataSource dataSource;
    private final HikariDataSource hikari;
    private final RotationControl rotation;
    private final int size;
    private final List<RotationEvent> events;

    private SqlPool(String name, String sql, DataSource dataSource, HikariDataSource hikari, RotationControl rotation,
                    int size, List<RotationEvent> events) {
        this.events = events;
        this.name = name;
        this.sql = sql;
        this.dataSource = dataSource;
        this.hikari = hikari;
        this.rotation = rotation;
        this.size = size;
    }

    /**
     * @param sql the statement each operation runs: a query, or an update when it does not start with SELECT
     * @return a started dualcred pool
     */
    public static SqlPool dualcred(String name, String jdbcUrl, CredentialSource source, int size, String sql) {
        return dualcred(name, jdbcUrl, source, size, sql, true);
    }

    /**
     * @param connectAtStart whether the pool logs in when it starts (HikariCP's default); without, it starts empty
     *     whatever the server says, so that its first callers meet the login
     * @return a started dualcred pool
     */
    public static SqlPool dualcred(String name, String jdbcUrl, CredentialSource source, int size, String sql,
                                   boolean connectAtStart) {
        List<RotationEvent> recorded = new CopyOnWriteArrayList<>();
        DualCredentialDataSource pool = DualCredentialDataSource.builder()
                .jdbcUrl(jdbcUrl)
                .initializationFailTimeout(connectAtStart ? Duration.ofMillis(1) : Duration.ofMillis(-1))
                .poolName(name)
                .maximumPoolSize(size)
                .connectionTimeout(CONNECTION_TIMEOUT)
                .dataSourceProperty("ApplicationName", name)
                .credentialSource(source)
                .listener(Exposure::event)
                .listener(recorded::add)
                .build();
        try {
            return new SqlPool(name, sql, pool, pool.unwrap(HikariDataSource.class), pool, size, recorded);
        } catch (SQLException e) {
            pool.close();
            throw new IllegalStateException(e);
        }
    }

    /** @return a started plain HikariCP pool logging in as {@code user} */
    public static SqlPool plain(String name, String jdbcUrl, String user, String password, int size, String sql) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName(name);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        config.addDataSourceProperty("ApplicationName", name);
        HikariDataSource pool = new HikariDataSource(config);
        return new SqlPool(name, sql, pool, pool, null, size, List.of());
    }

    /** @return the events the pool published so far, in order (none for a plain pool) */
    public List<RotationEvent> events() {
        return List.copyOf(events);
    }

    /** @return whether a connection borrowed now is on a standby ({@code pg_is_in_recovery()}) */
    public boolean onStandby() throws SQLException {
        return "t".equals(valueOf("SELECT pg_is_in_recovery()"));
    }

    private String valueOf(String query) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(query)) {
            result.next();
            return result.getString(1);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PoolKind kind() {
        return PoolKind.POSTGRES;
    }

    @Override
    public void operation(int worker) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            if (sql.startsWith("SELECT")) {
                statement.executeQuery(sql).close();
            } else {
                statement.executeUpdate(sql);
            }
        }
    }

    @Override
    public String loggedInAs() throws SQLException {
        return valueOf("SELECT session_user");
    }

    @Override
    public RotationControl rotation() {
        if (rotation == null) {
            throw new UnsupportedOperationException(name + " is a plain HikariCP pool");
        }
        return rotation;
    }

    /** Not needed by the scenarios of this package, which let the engine or the operator retire connections. */
    @Override
    public int expireConnections() {
        throw new UnsupportedOperationException("the failover scenarios do not expire connections behind dualcred");
    }

    @Override
    public int connections() {
        return hikari.getHikariPoolMXBean().getTotalConnections();
    }

    @Override
    public int maximumSize() {
        return size;
    }

    /** dualcred's documented error: an {@link SQLInvalidAuthorizationSpecException} naming every slot it tried. */
    @Override
    public boolean isEveryCredentialRejected(Throwable failure) {
        return failure instanceof SQLInvalidAuthorizationSpecException rejected
                && String.valueOf(rejected.getMessage()).contains("rejected every credential");
    }

    @Override
    public void close() {
        if (dataSource instanceof DualCredentialDataSource dualcred) {
            dualcred.close();
        } else {
            hikari.close();
        }
    }
}
