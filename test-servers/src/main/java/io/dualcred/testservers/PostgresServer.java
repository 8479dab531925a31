package io.dualcred.testservers;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real PostgreSQL server for tests, with superuser access.
 *
 * <p>Every connection authenticates with SCRAM-SHA-256 (the superuser too); passwords are stored as SCRAM
 * verifiers ({@code password_encryption=scram-sha-256}). The server logs connections and authentication failures
 * to a log that {@link #authenticationFailures(String)} reads.
 *
 * <p>Use {@link #shared()} in tests that only create their own roles, and {@link #startNew()} (in a
 * try-with-resources block or closed after the tests) for tests that stop or restart the server. How the server
 * runs (embedded binaries or a container) is chosen by {@link TestServers}.
 *
 * <p>Role names and passwords may contain any character except NUL; they are quoted with {@link SqlQuoting}.
 */
public final class PostgresServer extends ManagedServer {

    /** The start of the server's log line for a rejected password: {@code password authentication failed for user "x"}. */
    private static final String AUTH_FAILURE = "password authentication failed for user \"";
    private static final int TERMINATE_WAIT_MILLIS = 5_000;
    static final String SUPERUSER = "postgres";
    static final String DATABASE = "postgres";

    private static final Support.Once<PostgresServer> SHARED =
            new Support.Once<>(() -> new PostgresServer(Support.randomSecret(24), true));

    private final String superuserPassword;
    /** The certificate clients trust for TLS, or {@code null} for a server without TLS. */
    private final Path tlsCertificate;

    /** One server session, as seen in {@code pg_stat_activity}. */
    public record Session(int pid, String user, String database, String applicationName, String clientAddress,
                          Integer clientPort, Instant backendStart, String state) {
    }

    private PostgresServer(String superuserPassword, boolean shared) {
        this(superuserPassword, TestServers.kind() == TestServers.Kind.CONTAINERS
                ? ContainerEngine.postgres(superuserPassword)
                : new EmbeddedPostgresEngine(superuserPassword), shared);
    }

    private PostgresServer(String superuserPassword, ServerEngine engine, boolean shared) {
        super("PostgreSQL", engine, shared);
        this.superuserPassword = superuserPassword;
        this.tlsCertificate = engine instanceof EmbeddedPostgresEngine embedded ? embedded.tlsCertificate() : null;
        begin();
    }

    /**
     * Starts a private server on a random free port. Close it when done.
     *
     * @return the running server
     * @throws IllegalStateException if it cannot start, with the reason
     */
    public static PostgresServer startNew() {
        return new PostgresServer(Support.randomSecret(24), false);
    }

    /**
     * Starts a private server that also accepts TLS ({@code sslmode=verify-full} works against {@code localhost}),
     * with a self-signed certificate made by the JDK's keytool; plain connections keep working. Always the embedded
     * binaries, whatever {@link TestServers} chooses: the certificate files live in the server's own directory.
     * Close it when done.
     *
     * @return the running server
     * @throws IllegalStateException if it cannot start, with the reason
     */
    public static PostgresServer startNewWithTls() {
        String superuserPassword = Support.randomSecret(24);
        return new PostgresServer(superuserPassword, new EmbeddedPostgresEngine(superuserPassword, true), false);
    }

    /**
     * Starts a private server that can have streaming standbys ({@link #startStandby()}). Always the embedded
     * binaries, whatever {@link TestServers} chooses: a standby's base backup is a copy of this server's files.
     * Close it when done, after its standbys.
     *
     * @return the running server
     * @throws IllegalStateException if it cannot start, with the reason
     */
    public static PostgresServer startNewPrimary() {
        String superuserPassword = Support.randomSecret(24);
        return new PostgresServer(superuserPassword, new EmbeddedPostgresEngine(superuserPassword), false);
    }

    /**
     * Starts a hot standby of this server: a base backup taken through SQL and a file copy, then physical streaming
     * replication through a replication slot of its own. The standby has the same roles and passwords, as every
     * change made here reaches it once it has replayed it ({@link #awaitReplayed(String)}). Returns once the standby
     * accepts logins. Close it when done, before this server.
     *
     * @return the running standby, on a port of its own
     * @throws IllegalStateException if this server was not started with {@link #startNewPrimary()} (or is itself a
     *     standby), or if the standby cannot start, with the reason
     */
    public PostgresServer startStandby() {
        if (!(engine() instanceof EmbeddedPostgresEngine embedded)) {
            throw new IllegalStateException("standbys need an embedded primary; start it with startNewPrimary()");
        }
        if (inRecovery()) {
            throw new IllegalStateException(this + " is a standby itself; start standbys of its primary");
        }
        String slot = "dualcred_standby_" + Support.randomSecret(8).toLowerCase(java.util.Locale.ROOT);
        EmbeddedPostgresEngine standby;
        try (Connection connection = superuserConnection()) {
            standby = embedded.newStandby(connection, slot);
        } catch (SQLException e) {
            throw failure("taking a base backup", e);
        }
        return new PostgresServer(superuserPassword, standby, false);
    }

    /**
     * Begins a smart shutdown, as {@code pg_ctl stop -m smart} or a service manager's {@code SIGTERM} does: the server
     * refuses new connections with {@code 57P03} ("the database system is shutting down") while the sessions already
     * open go on. {@link #stop()} or {@link #close()} then stops it at once.
     *
     * @throws IllegalStateException if this server is not embedded or not running
     */
    public void beginSmartShutdown() {
        if (!(engine() instanceof EmbeddedPostgresEngine embedded)) {
            throw new IllegalStateException("a smart shutdown needs an embedded server");
        }
        embedded.beginSmartShutdown();
    }

    /** @return whether the server is a standby in recovery ({@code pg_is_in_recovery()}) */
    public boolean inRecovery() {
        return Boolean.TRUE.equals(query("SELECT pg_is_in_recovery() AS standby").get(0).get("standby"));
    }

    /**
     * Promotes this standby to a primary ({@code pg_promote()}, as a failover manager does) and waits until it
     * accepts writes. Its old primary, if still running, is not told: stop it first, as a failover does.
     */
    public void promote() {
        Object promoted = query("SELECT pg_promote(true, 60) AS promoted").get(0).get("promoted");
        if (!Boolean.TRUE.equals(promoted)) {
            throw new IllegalStateException(this + " was not promoted within 60 s");
        }
    }

    /**
     * @return the primary's current write-ahead log insert position ({@code pg_current_wal_insert_lsn()}), e.g.
     *     {@code 0/3000148}; after a change, a standby has the change once it has replayed up to here. The insert
     *     position, not {@code pg_current_wal_lsn()}: zonky runs with {@code synchronous_commit = off}, so a commit
     *     may still sit in the log buffers, beyond the write position. Where the last record ends exactly at a page
     *     boundary, as after the segment switch that ends a base backup ({@link #startStandby()}), the insert position
     *     lies past the next page's header (24 bytes, 40 on a segment's first page), which no record reaches until
     *     the server writes again (on an idle server, its 15-second standby snapshot); the page boundary is returned
     *     then, the end of what was written
     */
    public String currentWalLsn() {
        return String.valueOf(query("SELECT CASE WHEN o = 40 THEN l - 40 WHEN o % b = 24 THEN l - 24 ELSE l END AS lsn"
                + " FROM (SELECT l, (pg_walfile_name_offset(l)).file_offset AS o,"
                + " current_setting('wal_block_size')::int AS b FROM pg_current_wal_insert_lsn() AS l) AS insert_position")
                .get(0).get("lsn"));
    }

    /**
     * @param lsn a position of the primary's write-ahead log ({@link #currentWalLsn()})
     * @return whether this standby has replayed the log up to {@code lsn} ({@code pg_last_wal_replay_lsn()})
     */
    public boolean hasReplayed(String lsn) {
        String sql = "SELECT pg_last_wal_replay_lsn() >= '" + lsn.replace("'", "") + "'::pg_lsn AS replayed";
        return Boolean.TRUE.equals(query(sql).get(0).get("replayed"));
    }

    /**
     * Waits until this standby has replayed the log up to {@code lsn}.
     *
     * @param lsn a position of the primary's write-ahead log
     * @throws IllegalStateException after 30 s
     */
    public void awaitReplayed(String lsn) {
        Support.await(this + " to replay up to " + lsn, java.time.Duration.ofSeconds(30), () -> hasReplayed(lsn));
    }

    /**
     * Pauses or resumes replay on this standby ({@code pg_wal_replay_pause()}, {@code pg_wal_replay_resume()}): while
     * paused, it keeps receiving the primary's log but applies none of it, so it lags (a password changed on the
     * primary does not reach it). Pausing returns once replay has stopped.
     *
     * @param paused whether replay should be paused
     */
    public void pauseReplay(boolean paused) {
        execute(paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()");
        if (paused) {
            Support.await(this + " to pause replay", java.time.Duration.ofSeconds(30), () ->
                    "paused".equals(query("SELECT pg_get_wal_replay_pause_state() AS state").get(0).get("state")));
        }
    }

    /**
     * A JDBC URL naming several servers, as an application configured for failover has it, e.g.
     * {@code jdbc:postgresql://localhost:5432,localhost:5433/postgres?sslmode=disable&targetServerType=primary}.
     *
     * @param targetServerType pgjdbc's {@code targetServerType}: {@code primary}, {@code preferSecondary}, {@code secondary}, ...
     * @param servers the servers, in the order pgjdbc tries them
     * @return the URL, without credentials
     */
    public static String multiHostJdbcUrl(String targetServerType, PostgresServer... servers) {
        StringBuilder hosts = new StringBuilder();
        for (PostgresServer server : servers) {
            hosts.append(hosts.length() == 0 ? "" : ",").append(server.host()).append(':').append(server.port());
        }
        return "jdbc:postgresql://" + hosts + "/" + DATABASE + "?sslmode=disable&targetServerType=" + targetServerType
                + "&hostRecheckSeconds=1";
    }

    /**
     * @return the server's certificate (PEM), for pgjdbc's {@code sslrootcert}
     * @throws IllegalStateException if this server was not started with {@link #startNewWithTls()}
     */
    public Path tlsCertificate() {
        if (tlsCertificate == null) {
            throw new IllegalStateException("this PostgreSQL server has no TLS; start it with startNewWithTls()");
        }
        return tlsCertificate;
    }

    /**
     * The server shared by all tests of this JVM, started on first use and stopped when the JVM exits.
     * It cannot be stopped or restarted, and {@link #close()} does nothing on it.
     *
     * @return the running shared server
     */
    public static PostgresServer shared() {
        return SHARED.get();
    }

    /** @return the database name ({@code postgres}) */
    public String database() {
        return DATABASE;
    }

    /**
     * The JDBC URL, without credentials: {@code jdbc:postgresql://host:port/postgres?sslmode=disable}.
     * SSL is off on the server; {@code sslmode=disable} stops pgjdbc from retrying a rejected login in the other
     * SSL mode.
     *
     * @return the URL
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database() + "?sslmode=disable";
    }

    /** @return the superuser's name */
    public String superuser() {
        return SUPERUSER;
    }

    /** @return the superuser's password (random, per server) */
    public String superuserPassword() {
        return superuserPassword;
    }

    /**
     * Opens a connection through {@link DriverManager} with the given credentials (application name
     * {@code dualcred-test}, 10 s connect timeout).
     *
     * @param user the role
     * @param password its password
     * @return a new connection; the caller closes it
     * @throws SQLException as pgjdbc reports it, e.g. SQLState 28P01 for a wrong password
     */
    public Connection connect(String user, String password) throws SQLException {
        return connect(jdbcUrl(), user, password);
    }

    /** A connection to {@code url} as a test client: application name {@code dualcred-test}, 10 s connect timeout. */
    static Connection connect(String url, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("ApplicationName", "dualcred-test");
        return DriverManager.getConnection(url, properties);
    }

    /**
     * Runs SQL as superuser.
     *
     * @param sql one or more statements
     */
    public void execute(String sql) {
        try (Connection connection = superuserConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw failure("executing SQL", e);
        }
    }

    /**
     * Runs a query as superuser.
     *
     * @param sql a query
     * @return the rows, each a map from column label to JDBC value, in column order
     */
    public List<Map<String, Object>> query(String sql) {
        try (Connection connection = superuserConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return readRows(rows);
        } catch (SQLException e) {
            throw failure("running a query", e);
        }
    }

    /**
     * Creates a role that can log in with the password.
     *
     * @param role the role name
     * @param password its password
     */
    public void createLoginRole(String role, String password) {
        execute("CREATE ROLE " + SqlQuoting.identifier(role) + " LOGIN PASSWORD " + SqlQuoting.literal(password));
    }

    /**
     * Replaces the role's password. Open sessions are not affected.
     *
     * @param role the role name
     * @param password the new password
     */
    public void setPassword(String role, String password) {
        execute("ALTER ROLE " + SqlQuoting.identifier(role) + " PASSWORD " + SqlQuoting.literal(password));
    }

    /**
     * Grants or revokes LOGIN. Open sessions are not affected.
     *
     * @param role the role name
     * @param canLogin whether the role may log in
     */
    public void setLogin(String role, boolean canLogin) {
        execute("ALTER ROLE " + SqlQuoting.identifier(role) + (canLogin ? " LOGIN" : " NOLOGIN"));
    }

    /**
     * Terminates the role's sessions and drops it if it exists.
     *
     * @param role the role name
     */
    public void dropRole(String role) {
        terminateSessions(role);
        execute("DROP ROLE IF EXISTS " + SqlQuoting.identifier(role));
    }

    /**
     * Terminates every session of the role (other than the one doing it) and waits until they have ended.
     * The clients see SQLState 57P01 on their next use.
     *
     * @param role the role name
     * @return how many sessions were terminated
     */
    public int terminateSessions(String role) {
        return terminate(role, null);
    }

    /**
     * Terminates the role's sessions whose backend started before {@code startedBefore}, and waits until they have
     * ended.
     *
     * @param role the role name
     * @param startedBefore sessions started strictly before this instant are terminated
     * @return how many sessions were terminated
     */
    public int terminateSessionsStartedBefore(String role, Instant startedBefore) {
        return terminate(role, startedBefore);
    }

    private int terminate(String role, Instant startedBefore) {
        String sql = "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, ?)) FROM pg_stat_activity"
                + " WHERE usename = ? AND pid <> pg_backend_pid()"
                + (startedBefore == null ? "" : " AND backend_start < ?");
        try (Connection connection = superuserConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, TERMINATE_WAIT_MILLIS);
            statement.setString(2, role);
            if (startedBefore != null) {
                statement.setObject(3, OffsetDateTime.ofInstant(startedBefore, ZoneOffset.UTC));
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw failure("terminating sessions of " + role, e);
        }
    }

    /**
     * The role's open sessions, oldest first (the superuser's own query connection excluded).
     *
     * @param role the role name
     * @return the sessions
     */
    public List<Session> sessions(String role) {
        String sql = "SELECT pid, usename, datname, application_name, host(client_addr) AS client_addr, client_port,"
                + " backend_start, state FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()"
                + " ORDER BY backend_start, pid";
        try (Connection connection = superuserConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, role);
            List<Session> sessions = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    OffsetDateTime started = rows.getObject("backend_start", OffsetDateTime.class);
                    Integer clientPort = rows.getObject("client_port", Integer.class);
                    sessions.add(new Session(rows.getInt("pid"), rows.getString("usename"), rows.getString("datname"),
                            rows.getString("application_name"), rows.getString("client_addr"), clientPort,
                            started == null ? null : started.toInstant(), rows.getString("state")));
                }
            }
            return sessions;
        } catch (SQLException e) {
            throw failure("listing sessions of " + role, e);
        }
    }

    /**
     * How many logins of the role failed password authentication since the server was created, counted from the
     * server log ({@code password authentication failed for user "role"}). Logins of unknown roles count too.
     *
     * @param role the role name, exactly as the client sent it
     * @return the number of failed logins
     */
    @Override
    public long authenticationFailures(String role) {
        String needle = AUTH_FAILURE + role + "\"";
        return serverLog().lines().filter(line -> line.endsWith(needle)).count();
    }

    @Override
    boolean acceptsAdmin() throws SQLException {
        try (Connection connection = superuserConnection()) {
            return connection.isValid(5);
        }
    }

    private Connection superuserConnection() throws SQLException {
        return connect(superuser(), superuserPassword);
    }

    private static List<Map<String, Object>> readRows(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        List<Map<String, Object>> result = new ArrayList<>();
        while (rows.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int column = 1; column <= meta.getColumnCount(); column++) {
                row.put(meta.getColumnLabel(column), rows.getObject(column));
            }
            result.add(row);
        }
        return result;
    }

    private IllegalStateException failure(String action, SQLException e) {
        return new IllegalStateException(action + " on " + this + " failed: " + e.getMessage()
                + " (SQLState " + e.getSQLState() + ")", e);
    }
}
