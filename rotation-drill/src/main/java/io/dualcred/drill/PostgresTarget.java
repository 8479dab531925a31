package io.dualcred.drill;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.dualcred.postgres.DualCredentialDataSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * A PostgreSQL server reached as a superuser (or a role with CREATEROLE that may signal the drill's sessions).
 *
 * <p>Passwords are changed with pgjdbc's {@code alterUserPassword}, which hashes them on the client (SCRAM or MD5,
 * as the server's {@code password_encryption} says): no plain-text password reaches the server's log. The marker
 * of a change is the server's own clock right after it, compared with {@code pg_stat_activity.backend_start}.
 */
final class PostgresTarget implements ServerTarget {

    /** Where and as whom to connect; the password is never shown. */
    record AdminUrl(String jdbcUrl, String user, String password, String display) {

        @Override
        public String toString() {
            return display;
        }
    }

    private static final String OPERATION = "SELECT 1";

    /**
     * The runbook's fleet check, section 9.1 ({@code fleet-verify-pg/sessions-by-version}), as it stands there
     * ({@code FleetCheckMatchesTheRunbookTest} compares them); the role is {@code :'app_role'}, psql's variable.
     */
    static final String FLEET_QUERY = """
            SELECT coalesce(substring(application_name FROM '\\[dualcred:([^]]*)\\]$'), 'untagged') AS credential_version,
                   count(*) AS sessions,
                   count(DISTINCT client_addr) AS hosts,
                   string_agg(CAST(pid AS text), ' ' ORDER BY pid) AS pids,
                   string_agg(DISTINCT regexp_replace(application_name, ' ?\\[dualcred:[^]]*\\]$', ''), ', ') AS applications
            FROM pg_stat_activity
            WHERE usename = :'app_role'
            GROUP BY 1
            ORDER BY 1;
            """;

    private final AdminUrl url;
    private final String origin;
    private final ToLongFunction<String> serverLogFailures;
    private final Connection admin;
    private final String version;

    /**
     * @param url the server and its admin credentials
     * @param origin how the server came to be, e.g. {@code embedded} or {@code staging}
     * @param serverLogFailures counts rejected logins of a role from the server log, or {@code null} when the log
     *     cannot be read
     */
    PostgresTarget(AdminUrl url, String origin, ToLongFunction<String> serverLogFailures) {
        this.url = url;
        this.origin = origin;
        this.serverLogFailures = serverLogFailures;
        try {
            this.admin = DriverManager.getConnection(url.jdbcUrl(), properties(url.user(), url.password(),
                    "dualcred-drill-admin"));
            try (Statement statement = admin.createStatement();
                 ResultSet rows = statement.executeQuery("SHOW server_version")) {
                rows.next();
                this.version = rows.getString(1).split(" ")[0];
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot log in to " + url.display() + " as " + url.user() + ": "
                    + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Reads {@code postgresql://user:password@host:port/db?params} (also {@code postgres://}) or
     * {@code jdbc:postgresql://host:port/db?user=..&password=..&params}.
     *
     * @throws IllegalArgumentException naming what is missing; the message never repeats the URL
     */
    static AdminUrl parseUrl(String text) {
        String trimmed = text.trim();
        String user;
        String password;
        String hostPart;
        String database;
        List<String> parameters = new ArrayList<>();
        try {
            boolean jdbc = trimmed.startsWith("jdbc:postgresql:");
            URI uri = new URI(jdbc ? trimmed.substring("jdbc:".length()) : trimmed);
            String scheme = String.valueOf(uri.getScheme());
            if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
                throw new IllegalArgumentException("--postgres-url must start with postgresql:// or "
                        + "jdbc:postgresql://");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("--postgres-url must name a host");
            }
            hostPart = uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort());
            String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
            String[] userInfo = uri.getRawUserInfo() == null ? new String[0]
                    : uri.getRawUserInfo().split(":", 2);
            user = userInfo.length > 0 ? decode(userInfo[0]) : null;
            password = userInfo.length > 1 ? decode(userInfo[1]) : null;
            if (uri.getRawQuery() != null) {
                for (String parameter : uri.getRawQuery().split("&")) {
                    String key = parameter.split("=", 2)[0];
                    String value = parameter.contains("=") ? decode(parameter.split("=", 2)[1]) : "";
                    if (key.equalsIgnoreCase("user")) {
                        user = value;
                    } else if (key.equalsIgnoreCase("password")) {
                        password = value;
                    } else if (!parameter.isBlank()) {
                        parameters.add(parameter);
                    }
                }
            }
            database = path.isEmpty() ? "postgres" : decode(path);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--postgres-url is malformed at index " + e.getIndex() + ": "
                    + e.getReason());
        }
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw new IllegalArgumentException("--postgres-url needs an admin user and password, e.g. "
                    + "postgresql://admin:secret@db.staging:5432/app");
        }
        String query = parameters.isEmpty() ? "" : "?" + String.join("&", parameters);
        String jdbcUrl = "jdbc:postgresql://" + hostPart + "/" + database + query;
        return new AdminUrl(jdbcUrl, user, password, hostPart + "/" + database);
    }

    @Override
    public Backend backend() {
        return Backend.POSTGRES;
    }

    @Override
    public String description() {
        return "PostgreSQL " + version + " (" + origin + ", " + url.display() + ", admin " + url.user() + ")";
    }

    @Override
    public String passwordChangeCommand() {
        return "ALTER ROLE ... PASSWORD '<verifier hashed by the client>'";
    }

    @Override
    public String sessionsView() {
        return "pg_stat_activity";
    }

    @Override
    public synchronized void createUser(String user, String password) {
        try (Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE " + identifier(user) + " LOGIN");
            admin.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), null);
        } catch (SQLException e) {
            throw failure("creating role " + user, e);
        }
    }

    @Override
    public synchronized long changePassword(String user, String oldPassword, String newPassword) {
        try (Statement statement = admin.createStatement()) {
            admin.unwrap(PGConnection.class).alterUserPassword(user, newPassword.toCharArray(), null);
            try (ResultSet rows = statement.executeQuery(
                    "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("changing the password of " + user, e);
        }
    }

    @Override
    public synchronized int sessionsOpenedBefore(String user, long marker) {
        return count("SELECT count(*) FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()"
                + " AND backend_start < to_timestamp(? / 1000000.0)", user, marker, "listing sessions of " + user);
    }

    @Override
    public String fleetCheckCommand() {
        return "the runbook's query by tag on pg_stat_activity";
    }

    /**
     * One transaction: PostgreSQL takes its snapshot of {@code pg_stat_activity} at the first read and keeps it to
     * the end, so the query and the count of sessions opened before the change see the same sessions.
     */
    @Override
    public synchronized FleetCheck fleetCheck(String user, long marker) {
        String query = FLEET_QUERY.replace(":'app_role'", "?").strip().replaceFirst(";$", "");
        try {
            admin.setAutoCommit(false);
            try {
                Map<String, Integer> byVersion = new TreeMap<>();
                try (PreparedStatement statement = admin.prepareStatement(query)) {
                    statement.setString(1, user);
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            byVersion.put(rows.getString("credential_version"), rows.getInt("sessions"));
                        }
                    }
                }
                int openedBefore = count("SELECT count(*) FROM pg_stat_activity WHERE usename = ?"
                        + " AND backend_start < to_timestamp(? / 1000000.0)", user, marker, "listing sessions of "
                        + user);
                return new FleetCheck(byVersion, openedBefore);
            } finally {
                admin.commit();
                admin.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("running the fleet check for " + user, e);
        }
    }

    @Override
    public int terminateSessionsOpenedBefore(String user, long marker) {
        int terminated;
        synchronized (this) {
            terminated = count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE usename = ? AND pid <> pg_backend_pid() AND backend_start < to_timestamp(? / 1000000.0)",
                    user, marker, "terminating sessions of " + user);
        }
        Pacing.awaitQuietly(5_000, () -> sessionsOpenedBefore(user, marker) == 0);
        return terminated;
    }

    @Override
    public OptionalLong rejectedLogins(String user) {
        return serverLogFailures == null ? OptionalLong.empty()
                : OptionalLong.of(serverLogFailures.applyAsLong(user));
    }

    @Override
    public synchronized void dropUser(String user) {
        try (PreparedStatement terminate = admin.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()");
             Statement statement = admin.createStatement()) {
            terminate.setString(1, user);
            terminate.executeQuery().close();
            statement.execute("DROP ROLE IF EXISTS " + identifier(user));
        } catch (SQLException e) {
            throw failure("dropping role " + user, e);
        }
    }

    @Override
    public synchronized OptionalDouble firstLoginAfter(String user, long marker, long changedNanos) {
        try (PreparedStatement statement = admin.prepareStatement("SELECT (extract(epoch FROM min(backend_start))"
                + " * 1000000)::bigint FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()"
                + " AND backend_start >= to_timestamp(? / 1000000.0)")) {
            statement.setString(1, user);
            statement.setLong(2, marker);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long micros = rows.getLong(1);
                return rows.wasNull() ? OptionalDouble.empty() : OptionalDouble.of((micros - marker) / 1000.0);
            }
        } catch (SQLException e) {
            throw failure("listing sessions of " + user, e);
        }
    }

    @Override
    public DrillClient open(Contender contender, String user, String password, SecretDirectory secrets,
                            RotationListener listener, PoolSettings settings) {
        String name = "drill-postgres-" + contender.label();
        if (contender.dualcred()) {
            DualCredentialDataSource dataSource = DualCredentialDataSource.builder()
                    .poolName(name)
                    .jdbcUrl(url.jdbcUrl())
                    .maximumPoolSize(settings.poolSize())
                    .connectionTimeout(settings.connectionTimeout())
                    .dataSourceProperty("ApplicationName", name)
                    .credentialSource(CredentialSources.directory(secrets.path()))
                    .listener(listener)
                    .build();
            return new PooledDataSource(dataSource, dataSource.getHikariPoolMXBean(),
                    () -> Optional.of(dataSource.status()), Optional.of(dataSource::evictConnections),
                    dataSource::close);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url.jdbcUrl());
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        config.addDataSourceProperty("ApplicationName", name);
        HikariDataSource dataSource;
        if (contender.fixed()) {
            config.setUsername(user);
            config.setPassword(password);
            dataSource = new HikariDataSource(config);
        } else if (contender == Contender.PROVIDER) {
            dataSource = PostgresAlternatives.provider(config, secrets.path());
        } else {
            dataSource = PostgresAlternatives.watcher(config, secrets.path());
        }
        HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
        // A fixed password has nothing to move to: an operator's eviction would only make it fail sooner.
        Optional<Runnable> evict = contender.fixed() ? Optional.empty() : Optional.of(pool::softEvictConnections);
        return new PooledDataSource(dataSource, pool, Optional::empty, evict, dataSource::close);
    }

    @Override
    public synchronized void close() {
        try {
            admin.close();
        } catch (SQLException e) {
            // the server may be gone already; nothing left to release
        }
    }

    /** A JDBC pool under load: every operation borrows a connection, runs {@code SELECT 1} and returns it. */
    private record PooledDataSource(DataSource dataSource, HikariPoolMXBean pool,
                                    Supplier<Optional<RotationStatus>> statusSupplier, Optional<Runnable> operatorEvict,
                                    Runnable closer) implements DrillClient {

        @Override
        public Load.Operation operation() {
            return () -> {
                try (Connection connection = dataSource.getConnection();
                     Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery(OPERATION)) {
                    rows.next();
                }
            };
        }

        @Override
        public Optional<RotationStatus> status() {
            return statusSupplier.get();
        }

        @Override
        public int connections() {
            return pool.getTotalConnections();
        }

        /**
         * HikariCP's own expiry ({@code maxLifetime} does the same per connection). It marks only the connections
         * already in the pool: one being logged in meanwhile would join unmarked (HikariCP #1836), so the drill
         * expires full pools only.
         */
        @Override
        public int expireConnections() {
            int marked = pool.getTotalConnections();
            pool.softEvictConnections();
            return marked;
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    private int count(String sql, String user, long marker, String action) {
        try (PreparedStatement statement = admin.prepareStatement(sql)) {
            statement.setString(1, user);
            statement.setLong(2, marker);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    private IllegalStateException failure(String action, SQLException e) {
        return new IllegalStateException(action + " on " + url.display() + " failed: " + e.getMessage()
                + " (SQLState " + e.getSQLState() + ")", e);
    }

    static Properties properties(String user, String password, String applicationName) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("ApplicationName", applicationName);
        properties.setProperty("connectTimeout", "10");
        return properties;
    }

    private static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
