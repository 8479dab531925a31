package io.dualcred.testservers;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PgBouncer in front of a {@link PostgresServer}, with {@code auth_type = scram-sha-256}, in one of the two ways it
 * learns the passwords ({@link AuthSetup}). It pools in session mode, serves the one database {@code postgres} and
 * has an admin console ({@link #admin(String)}) for the backend's superuser. PgBouncer comes from the operating
 * system's package (Debian: {@code apt-get install -y pgbouncer}); without it, {@link #startNew} fails and says so.
 *
 * <p>PgBouncer authenticates clients itself, then logs in to PostgreSQL with the client's SCRAM keys (its
 * "pass-through"), which works only when it holds the same verifier as the server. {@code server_login_retry} is 1 s
 * (15 s by default), so that a failed server login blocks new server logins only briefly, and
 * {@code query_wait_timeout} is 3 s (120 s by default), so that a client waiting for a full pool learns it soon.
 */
public final class PgBouncerServer extends ManagedServer {

    /** How PgBouncer learns the verifiers it checks clients against. */
    public enum AuthSetup {
        /**
         * From its {@code auth_file} ({@code userlist.txt}), which an operator must update at each rotation
         * ({@link #copyVerifierFromServer(String)} then {@code RELOAD}).
         */
        AUTH_FILE,
        /**
         * From PostgreSQL at each client login: {@code auth_query} run as {@link #AUTH_USER} through a
         * {@code SECURITY DEFINER} function {@value #LOOKUP_FUNCTION}, so it sees a new password as soon as the server
         * does.
         */
        AUTH_QUERY
    }

    /** The role PgBouncer runs its {@code auth_query} as ({@link AuthSetup#AUTH_QUERY}). */
    public static final String AUTH_USER = "dualcred_pgbouncer_auth";
    /** The function that gives {@link #AUTH_USER} a role's verifier, and nothing else of {@code pg_authid}. */
    public static final String LOOKUP_FUNCTION = "public.dualcred_pgbouncer_lookup";

    private final PostgresServer backend;
    private final AuthSetup setup;
    private final PgBouncerEngine engine;
    /** The {@code auth_file}'s entries: user to secret (a plaintext password or a SCRAM verifier). */
    private final Map<String, String> authFile = new TreeMap<>();

    private PgBouncerServer(PostgresServer backend, AuthSetup setup, PgBouncerEngine engine,
                            Map<String, String> authFile) {
        super("PgBouncer", engine, false);
        this.backend = backend;
        this.setup = setup;
        this.engine = engine;
        this.authFile.putAll(authFile);
        begin();
    }

    /**
     * Starts PgBouncer in front of {@code backend}, with a pool of 20 server connections and room for 100 clients.
     *
     * @param backend the PostgreSQL server, running
     * @param setup where PgBouncer finds the verifiers
     * @return the running PgBouncer; close it when done, before the backend
     */
    public static PgBouncerServer startNew(PostgresServer backend, AuthSetup setup) {
        return startNew(backend, setup, 20, 100);
    }

    /**
     * Starts PgBouncer in front of {@code backend}.
     *
     * @param backend the PostgreSQL server, running
     * @param setup where PgBouncer finds the verifiers
     * @param poolSize {@code default_pool_size}: server connections per user; a client beyond them waits
     * @param maxClientConnections {@code max_client_conn}: clients beyond it are refused
     * @return the running PgBouncer; close it when done, before the backend
     * @throws IllegalStateException if PgBouncer is not installed or does not start, with the reason
     */
    public static PgBouncerServer startNew(PostgresServer backend, AuthSetup setup, int poolSize,
                                           int maxClientConnections) {
        Map<String, String> entries = new TreeMap<>();
        entries.put(backend.superuser(), backend.superuserPassword());
        StringBuilder config = new StringBuilder()
                .append("[databases]\n")
                .append("postgres = host=").append(backend.host()).append(" port=").append(backend.port())
                .append(" dbname=").append(backend.database()).append('\n')
                .append("[pgbouncer]\n")
                .append("listen_addr = 127.0.0.1\n")
                .append("unix_socket_dir =\n")
                .append("auth_type = scram-sha-256\n")
                .append("admin_users = ").append(backend.superuser()).append('\n')
                .append("pool_mode = session\n")
                .append("default_pool_size = ").append(poolSize).append('\n')
                .append("max_client_conn = ").append(maxClientConnections).append('\n')
                .append("server_login_retry = 1\n")
                .append("query_wait_timeout = 3\n")
                .append("ignore_startup_parameters = extra_float_digits,options\n")
                .append("log_connections = 1\n")
                .append("log_disconnections = 1\n")
                .append("log_pooler_errors = 1\n");
        if (setup == AuthSetup.AUTH_QUERY) {
            String authPassword = Support.randomSecret(24);
            boolean exists = !backend.query("SELECT 1 FROM pg_roles WHERE rolname = '" + AUTH_USER + "'").isEmpty();
            backend.execute(String.join("\n",
                    (exists ? "ALTER" : "CREATE") + " ROLE " + AUTH_USER + " LOGIN PASSWORD "
                            + SqlQuoting.literal(authPassword) + ";",
                    "CREATE OR REPLACE FUNCTION " + LOOKUP_FUNCTION + "(p_user name, OUT usename name, OUT passwd text)",
                    "  RETURNS record LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS",
                    "  $$ SELECT rolname, rolpassword FROM pg_authid WHERE rolname = p_user AND rolcanlogin $$;",
                    "REVOKE ALL ON FUNCTION " + LOOKUP_FUNCTION + "(name) FROM PUBLIC;",
                    "GRANT EXECUTE ON FUNCTION " + LOOKUP_FUNCTION + "(name) TO " + AUTH_USER + ";"));
            entries.put(AUTH_USER, authPassword);
            config.append("auth_user = ").append(AUTH_USER).append('\n')
                    .append("auth_query = SELECT usename, passwd FROM ").append(LOOKUP_FUNCTION).append("($1)\n");
        }
        PgBouncerEngine engine = new PgBouncerEngine(config.toString(), "");
        engine.writeAuthFile(render(entries));
        return new PgBouncerServer(backend, setup, engine, entries);
    }

    /** @return where this PgBouncer finds the verifiers */
    public AuthSetup authSetup() {
        return setup;
    }

    /** @return the PostgreSQL server behind this PgBouncer */
    public PostgresServer backend() {
        return backend;
    }

    /**
     * @return the JDBC URL of the database {@code postgres} through PgBouncer, without credentials:
     *     {@code jdbc:postgresql://127.0.0.1:port/postgres?sslmode=disable}
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + backend.database() + "?sslmode=disable";
    }

    /**
     * Opens a connection through PgBouncer (application name {@code dualcred-test}, 10 s connect timeout).
     *
     * @param user the role
     * @param password its password
     * @return a new connection; the caller closes it
     * @throws SQLException as pgjdbc reports PgBouncer's or the server's reply
     */
    public Connection connect(String user, String password) throws SQLException {
        return PostgresServer.connect(jdbcUrl(), user, password);
    }

    /**
     * Sets the role's entry in the {@code auth_file}; PgBouncer reads it at its next {@code RELOAD}
     * ({@link #admin(String)}).
     *
     * @param role the role
     * @param secret a plaintext password or a SCRAM verifier ({@code SCRAM-SHA-256$...})
     */
    public synchronized void setAuthFileEntry(String role, String secret) {
        authFile.put(role, secret);
        engine.writeAuthFile(render(authFile));
    }

    /**
     * Copies the role's verifier from the backend's {@code pg_authid} into the {@code auth_file}, as an operator does
     * after changing a password; PgBouncer reads it at its next {@code RELOAD}.
     *
     * @param role the role
     */
    public void copyVerifierFromServer(String role) {
        List<Map<String, Object>> rows = backend.query("SELECT rolpassword FROM pg_authid WHERE rolname = "
                + SqlQuoting.literal(role));
        if (rows.isEmpty() || rows.get(0).get("rolpassword") == null) {
            throw new IllegalStateException("role " + role + " has no password on " + backend);
        }
        setAuthFileEntry(role, (String) rows.get(0).get("rolpassword"));
    }

    /**
     * Runs one command on PgBouncer's admin console (database {@code pgbouncer}) as the backend's superuser, e.g.
     * {@code RELOAD} or {@code SHOW USERS}, through {@code psql} as an operator does: pgjdbc cannot log in to the
     * console of PgBouncer 1.18, which refuses the {@code extra_float_digits} pgjdbc always sends at login.
     *
     * @param command the console command
     * @return the rows it returned, each a map from column to value as text; empty for commands without rows
     */
    public List<Map<String, String>> admin(String command) {
        return PgBouncerEngine.console(host(), port(), backend.superuser(), backend.superuserPassword(), command);
    }

    /**
     * How many client logins as {@code user} PgBouncer rejected for a wrong password, counted from its log.
     *
     * @param user the role, as the client sent it
     * @return the number of rejected client logins
     */
    @Override
    public long authenticationFailures(String user) {
        String needle = "/" + user + "@";
        return serverLog().lines()
                .filter(line -> line.contains(needle) && line.contains("password authentication failed"))
                .count();
    }

    @Override
    boolean acceptsAdmin() {
        admin("SHOW VERSION");
        return true;
    }

    /** The {@code auth_file}'s text: one {@code "user" "secret"} line per entry, double quotes doubled. */
    private static String render(Map<String, String> entries) {
        StringBuilder text = new StringBuilder();
        entries.forEach((user, secret) -> text.append('"').append(user.replace("\"", "\"\"")).append("\" \"")
                .append(secret.replace("\"", "\"\"")).append("\"\n"));
        return text.toString();
    }
}
