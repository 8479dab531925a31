package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.testservers.PostgresServer;
import java.sql.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The drill counts a HikariCP timeout as the machine's load only when the pool really had every connection and had
 * lent them all. Real pools on a real server make the three cases a drill meets: a busy pool, a pool whose logins
 * are rejected, and a pool that has fewer connections than its size.
 */
class BusyPoolTimeoutTest {

    private static final PostgresServer SERVER = PostgresServer.shared();

    private final String role = "drill_busy_" + Long.toHexString(System.nanoTime());
    private HikariDataSource pool;

    @AfterEach
    void closePoolAndDropRole() {
        if (pool != null) {
            pool.close();
        }
        SERVER.dropRole(role);
    }

    @Test
    void aTimeoutWhileEveryConnectionIsLentIsABusyPool() throws Exception {
        SERVER.createLoginRole(role, "right-password");
        pool = pool(2, 2, "right-password");
        try (Connection first = pool.getConnection(); Connection second = pool.getConnection()) {
            Throwable timeout = catchThrowable(pool::getConnection);

            String kind = ClientMeter.kind(timeout, 2);
            assertThat(kind).as(String.valueOf(timeout)).isEqualTo("SQLTransientConnectionException busy pool");
            assertThat(ClientMeter.isBusyPool(kind)).isTrue();
        }
    }

    @Test
    void aTimeoutBehindRejectedLoginsIsNotABusyPool() {
        SERVER.createLoginRole(role, "right-password");
        pool = pool(2, 0, "wrong-password");

        Throwable timeout = catchThrowable(pool::getConnection);

        String kind = ClientMeter.kind(timeout, 2);
        assertThat(kind).as(String.valueOf(timeout)).isEqualTo("SQLTransientConnectionException 28P01");
        assertThat(ClientMeter.isBusyPool(kind)).isFalse();
    }

    @Test
    void aTimeoutOnAPoolWithFewerConnectionsThanItsSizeIsNotABusyPool() throws Exception {
        SERVER.createLoginRole(role, "right-password");
        pool = pool(1, 1, "right-password");
        try (Connection only = pool.getConnection()) {
            Throwable timeout = catchThrowable(pool::getConnection);

            // The drill told the meter the pool holds two: one connection lent of two is a pool short of one.
            assertThat(ClientMeter.isBusyPool(ClientMeter.kind(timeout, 2))).as(String.valueOf(timeout)).isFalse();
            assertThat(ClientMeter.isBusyPool(ClientMeter.kind(timeout, 1))).as(String.valueOf(timeout)).isTrue();
        }
    }

    private HikariDataSource pool(int size, int minimumIdle, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(SERVER.jdbcUrl());
        config.setUsername(role);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(minimumIdle);
        config.setConnectionTimeout(500);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }
}
