package io.dualcred.integration.support;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.dualcred.integration.redaction.Exposure;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.rotation.RotationControl;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** A {@link DualCredentialDataSource} on the PostgreSQL server under test. */
final class PostgresPool implements PoolUnderTest {

    private final DualCredentialDataSource dataSource;
    private final int maximumSize;

    private PostgresPool(DualCredentialDataSource dataSource, int maximumSize) {
        this.dataSource = dataSource;
        this.maximumSize = maximumSize;
    }

    static PostgresPool open(PostgresAdmin admin, PoolSpec spec) {
        DualCredentialDataSource.Builder builder = DualCredentialDataSource.builder()
                .jdbcUrl(admin.server().jdbcUrl())
                .poolName(spec.name())
                .maximumPoolSize(spec.size())
                .connectionTimeout(spec.connectionTimeout())
                .initializationFailTimeout(spec.connectAtStart() ? Duration.ofMillis(1) : Duration.ofMillis(-1))
                .registerMbeans(spec.mbeans())
                .dataSourceProperty("ApplicationName", spec.name())
                .credentialSource(spec.source())
                .rotation(spec.rotation())
                .listener(Exposure::event);
        spec.listeners().forEach(builder::listener);
        return new PostgresPool(builder.build(), spec.size());
    }

    @Override
    public String name() {
        return dataSource.getPoolName();
    }

    @Override
    public PoolKind kind() {
        return PoolKind.POSTGRES;
    }

    @Override
    public void operation(int worker) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT 1")) {
            result.next();
        }
    }

    @Override
    public String loggedInAs() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT session_user")) {
            result.next();
            return result.getString(1);
        }
    }

    @Override
    public RotationControl rotation() {
        return dataSource;
    }

    /**
     * Marks every connection. {@code softEvictConnections()} marks only the connections already in the pool: one that
     * HikariCP's adder is logging in meanwhile joins afterwards unmarked (HikariCP issue #1836), and its session,
     * opened before a password change, stays valid on the server, so it would serve every caller for its whole
     * lifetime and the pool would never need a new login. HikariCP's adder logs in only while the pool holds fewer
     * than its maximum, so a test expires a full pool ({@link PoolUnderTest#awaitFull()} before changing the password).
     */
    @Override
    public int expireConnections() {
        HikariPoolMXBean hikari = dataSource.getHikariPoolMXBean();
        int marked = hikari.getTotalConnections();
        if (marked < maximumSize) {
            throw new IllegalStateException(name() + " holds " + marked + " of " + maximumSize + " connections: a "
                    + "connection logging in now would escape the expiry; await a full pool before the server change");
        }
        hikari.softEvictConnections();
        return marked;
    }

    @Override
    public int connections() {
        return dataSource.getHikariPoolMXBean().getTotalConnections();
    }

    @Override
    public int maximumSize() {
        return maximumSize;
    }

    @Override
    public boolean isEveryCredentialRejected(Throwable failure) {
        return failure instanceof SQLException sql && "28P01".equals(sql.getSQLState())
                && String.valueOf(sql.getMessage()).contains("rejected every credential");
    }

    @Override
    public void close() {
        dataSource.close();
    }

    @Override
    public String toString() {
        return dataSource.toString();
    }
}
