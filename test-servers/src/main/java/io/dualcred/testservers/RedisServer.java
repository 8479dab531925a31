package io.dualcred.testservers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.resps.AccessControlLogEntry;
import redis.clients.jedis.util.SafeEncoder;

/**
 * A real Redis server (6.2) for tests, with admin access.
 *
 * <p>An ACL user {@value #ADMIN_USER} with every permission and a random password runs the admin methods, each
 * on a fresh connection, so that changing the {@code default} user's password ({@link #setRequirePass(String)}),
 * disabling it or killing clients never locks the admin out. The {@code default} user starts as in a stock Redis:
 * enabled, no password.
 *
 * <p>ACL users and their passwords survive {@link #restart()}: they are saved to the server's ACL file
 * ({@code ACL SAVE}) before every stop. Keys do not: the server persists nothing else. Authentication failures are
 * counted from {@code ACL LOG}.
 *
 * <p>Use {@link #shared()} in tests that only create their own users, and {@link #startNew()} (closed after the
 * tests) for tests that stop the server or change the {@code default} user. How the server runs (embedded binary
 * or a container) is chosen by {@link TestServers}.
 */
public final class RedisServer extends ManagedServer {

    /** The admin ACL user's name. */
    public static final String ADMIN_USER = "dualcred-admin";
    private static final int ACL_LOG_MAX = 100_000;
    private static final String ALL_PERMISSIONS = "~* &* +@all";

    private static final Support.Once<RedisServer> SHARED =
            new Support.Once<>(() -> new RedisServer(Support.randomSecret(24), true));

    private final String adminPassword;
    /** The engine when it serves TLS, else {@code null}. */
    private final EmbeddedRedisEngine tlsEngine;
    /** Whether this is a Sentinel of a {@link RedisSentinelTopology}. */
    private final boolean isSentinel;
    /** Authentication failures per user from ACL logs of earlier runs (ACL LOG is in memory only). */
    private final Map<String, Long> earlierFailures = new HashMap<>();

    /**
     * One client connection, from {@code CLIENT LIST}.
     *
     * @param id the client id
     * @param user the ACL user it is logged in as
     * @param ageSeconds how long it has been connected
     * @param address the client's address and port ({@code addr})
     * @param name the client name, or empty
     * @param localAddress the server address and port it connected to ({@code laddr}), which tells the TLS port
     *     from the plain one
     */
    public record ClientInfo(long id, String user, long ageSeconds, String address, String name,
                             String localAddress) {
    }

    private RedisServer(String adminPassword, boolean shared) {
        this(adminPassword, TestServers.kind() == TestServers.Kind.CONTAINERS
                ? ContainerEngine.redis(adminPassword)
                : new EmbeddedRedisEngine(adminPassword), shared);
    }

    private RedisServer(String adminPassword, ServerEngine engine, boolean shared) {
        super("Redis", engine, shared);
        this.adminPassword = adminPassword;
        this.tlsEngine = engine instanceof EmbeddedRedisEngine embedded && embedded.tls() != null ? embedded : null;
        this.isSentinel = engine instanceof EmbeddedRedisEngine embedded && embedded.isSentinel();
        begin();
    }

    /**
     * Starts a private server on a random free port. Close it when done.
     *
     * @return the running server
     * @throws IllegalStateException if it cannot start, with the reason
     */
    public static RedisServer startNew() {
        return new RedisServer(Support.randomSecret(24), false);
    }

    /**
     * Starts a private server that also listens with TLS, on {@link #tlsPort()}, with a self-signed certificate for
     * {@code 127.0.0.1} and {@code localhost} that {@link #tlsSocketFactory()} trusts; {@link #port()} stays plain,
     * for the admin methods. Always the embedded binary (built with TLS), whatever {@link TestServers} chooses: the
     * certificate files live in the server's own directory. Close it when done.
     *
     * @return the running server
     * @throws IllegalStateException if it cannot start, with the reason
     */
    public static RedisServer startNewWithTls() {
        String adminPassword = Support.randomSecret(24);
        return new RedisServer(adminPassword, new EmbeddedRedisEngine(adminPassword, true), false);
    }

    /**
     * Starts a member of a topology with a given engine; the topology closes it.
     *
     * @param adminPassword the admin user's password, the same on every member of the topology
     * @param engine the member's engine
     * @return the running member
     */
    static RedisServer member(String adminPassword, EmbeddedRedisEngine engine) {
        return new RedisServer(adminPassword, engine, false);
    }

    /**
     * The server shared by all tests of this JVM, started on first use and stopped when the JVM exits.
     * It cannot be stopped or restarted, and {@link #close()} does nothing on it.
     *
     * @return the running shared server
     */
    public static RedisServer shared() {
        return SHARED.get();
    }

    /** @return {@code redis://host:port}, without credentials */
    public String uri() {
        return "redis://" + host() + ":" + port();
    }

    /**
     * @return the port that speaks TLS
     * @throws IllegalStateException if this server was not started with {@link #startNewWithTls()}
     */
    public int tlsPort() {
        return requireTls().tlsPort();
    }

    /**
     * @return a socket factory that trusts this server's certificate (and nothing else), for TLS clients
     * @throws IllegalStateException if this server was not started with {@link #startNewWithTls()}
     */
    public SSLSocketFactory tlsSocketFactory() {
        return requireTls().tls().socketFactory();
    }

    private EmbeddedRedisEngine requireTls() {
        if (tlsEngine == null) {
            throw new IllegalStateException("this Redis server has no TLS port; start it with startNewWithTls()");
        }
        return tlsEngine;
    }

    /** @return the admin user's password (random, per server) */
    public String adminPassword() {
        return adminPassword;
    }

    /**
     * Runs a command as admin on a new connection.
     *
     * @param command the command and its arguments, e.g. {@code "ACL", "LIST"}
     * @return the reply: bulk strings as {@code String} (UTF-8), integers as {@code Long}, arrays as {@code List}
     * @throws JedisDataException for an error reply
     */
    public Object execute(String... command) {
        if (command.length == 0) {
            throw new IllegalArgumentException("no command");
        }
        try (Jedis admin = admin()) {
            return run(admin, command);
        }
    }

    /**
     * Runs commands as admin in one {@code MULTI}/{@code EXEC} transaction on one new connection.
     *
     * @param commands each command with its arguments
     * @return {@code EXEC}'s reply, one element per command
     */
    List<?> executeInTransaction(List<List<String>> commands) {
        try (Jedis admin = admin()) {
            run(admin, "MULTI");
            for (List<String> command : commands) {
                run(admin, command.toArray(String[]::new));
            }
            return (List<?>) run(admin, "EXEC");
        }
    }

    /**
     * Creates or replaces an ACL user that may run every command on every key and channel, with these passwords
     * ({@code ACL SETUSER user reset on >pw... ~* &* +@all}).
     *
     * @param user the user name (no spaces)
     * @param passwords its passwords; any of them authenticates
     */
    public void setUser(String user, String... passwords) {
        checkNotAdmin(user);
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", user, "reset", "on"));
        for (String password : passwords) {
            command.add(">" + Objects.requireNonNull(password, "password"));
        }
        command.addAll(Arrays.asList(ALL_PERMISSIONS.split(" ")));
        execute(command.toArray(String[]::new));
    }

    /**
     * Adds a password to a user; its other passwords keep working.
     *
     * @param user the user
     * @param password the password to add
     */
    public void addPassword(String user, String password) {
        checkNotAdmin(user);
        execute("ACL", "SETUSER", user, ">" + password);
    }

    /**
     * Removes one of a user's passwords. Connections already authenticated are not affected.
     *
     * @param user the user
     * @param password the password to remove
     */
    public void removePassword(String user, String password) {
        checkNotAdmin(user);
        execute("ACL", "SETUSER", user, "<" + password);
    }

    /**
     * Disables a user ({@code off}): new authentications fail, authenticated connections keep working.
     *
     * @param user the user
     */
    public void disableUser(String user) {
        checkNotAdmin(user);
        execute("ACL", "SETUSER", user, "off");
    }

    /**
     * Enables a disabled user again.
     *
     * @param user the user
     */
    public void enableUser(String user) {
        checkNotAdmin(user);
        execute("ACL", "SETUSER", user, "on");
    }

    /**
     * Deletes a user; Redis closes its connections.
     *
     * @param user the user
     * @return whether the user existed
     */
    public boolean deleteUser(String user) {
        checkNotAdmin(user);
        return ((Long) execute("ACL", "DELUSER", user)) > 0;
    }

    /**
     * Sets the {@code default} user's only password, as {@code CONFIG SET requirepass} does, and makes sure that
     * user is enabled with every permission, so that {@code AUTH password} works. Connections already open are not
     * affected.
     *
     * @param password the password, or {@code null} for none ({@code nopass})
     */
    public void setRequirePass(String password) {
        execute("CONFIG", "SET", "requirepass", password == null ? "" : password);
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", "default", "on"));
        command.addAll(Arrays.asList(ALL_PERMISSIONS.split(" ")));
        execute(command.toArray(String[]::new));
    }

    /** @return the connected clients from {@code CLIENT LIST}, except the admin connection that asks */
    public List<ClientInfo> clients() {
        try (Jedis admin = admin()) {
            long self = (Long) run(admin, "CLIENT", "ID");
            List<ClientInfo> clients = new ArrayList<>();
            for (String line : ((String) run(admin, "CLIENT", "LIST")).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, String> fields = new HashMap<>();
                for (String field : line.trim().split(" ")) {
                    int equals = field.indexOf('=');
                    if (equals > 0) {
                        fields.put(field.substring(0, equals), field.substring(equals + 1));
                    }
                }
                long id = Long.parseLong(fields.get("id"));
                if (id != self) {
                    clients.add(new ClientInfo(id, fields.get("user"), Long.parseLong(fields.getOrDefault("age", "0")),
                            fields.get("addr"), fields.getOrDefault("name", ""), fields.getOrDefault("laddr", "")));
                }
            }
            return clients;
        }
    }

    /**
     * Closes one client connection ({@code CLIENT KILL ID}).
     *
     * @param id the client id from {@link #clients()}
     * @return whether a client was closed
     */
    public boolean killClient(long id) {
        return ((Long) execute("CLIENT", "KILL", "ID", Long.toString(id))) > 0;
    }

    /**
     * Closes every connection authenticated as the user ({@code CLIENT KILL USER}).
     *
     * @param user the user
     * @return how many connections were closed; 0 if there is no such user
     */
    public long killClientsOfUser(String user) {
        checkNotAdmin(user);
        try {
            return (Long) execute("CLIENT", "KILL", "USER", user);
        } catch (JedisDataException e) {
            if (String.valueOf(e.getMessage()).contains("No such user")) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * How many authentications as the user failed since the server was created: the {@code count} of the
     * {@code ACL LOG} entries with reason {@code auth} for that user, kept across restarts. Failed {@code AUTH} and
     * {@code HELLO ... AUTH} count; a requirepass-style {@code AUTH password} counts for {@code default}.
     *
     * @param user the user name, exactly as the client sent it
     * @return the number of failures
     */
    @Override
    public long authenticationFailures(String user) {
        boolean running = isRunning();
        synchronized (earlierFailures) {
            long earlier = earlierFailures.getOrDefault(user, 0L);
            return running ? earlier + currentFailures().getOrDefault(user, 0L) : earlier;
        }
    }

    /** The configuration file; paths are relative to the working directory, for a local process and a container. */
    static String configuration(int port, String bindAddress) {
        return String.join("\n",
                "port " + port,
                "bind " + bindAddress,
                "protected-mode no",
                "daemonize no",
                "dir ./",
                "logfile \"\"",
                "save \"\"",
                "appendonly no",
                "aclfile users.acl",
                "acllog-max-len " + ACL_LOG_MAX,
                "");
    }

    /** The first ACL file: the admin user and a stock {@code default} user. */
    static String initialUsers(String adminPassword) {
        return String.join("\n",
                "user default on nopass " + ALL_PERMISSIONS,
                "user " + ADMIN_USER + " on >" + adminPassword + " " + ALL_PERMISSIONS,
                "");
    }

    @Override
    boolean acceptsAdmin() {
        return "PONG".equals(execute("PING"));
    }

    /** Saves the ACL users to the ACL file, and the ACL log's failure counts, which a stop loses. */
    @Override
    void beforeStop() {
        synchronized (earlierFailures) {
            if (!isSentinel) {
                execute("ACL", "SAVE");   // a Sentinel keeps its users in its configuration file, rewritten by itself
            }
            currentFailures().forEach((user, count) -> earlierFailures.merge(user, count, Long::sum));
        }
    }

    private Map<String, Long> currentFailures() {
        Map<String, Long> failures = new HashMap<>();
        try (Jedis admin = admin()) {
            for (AccessControlLogEntry entry : admin.aclLog(ACL_LOG_MAX)) {
                if ("auth".equals(entry.getReason())) {
                    failures.merge(entry.getUsername(), entry.getCount(), Long::sum);
                }
            }
        }
        return failures;
    }

    private Jedis admin() {
        return new Jedis(new HostAndPort(host(), port()), DefaultJedisClientConfig.builder()
                .user(ADMIN_USER)
                .password(adminPassword)
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .timeoutMillis(10_000)
                .build());
    }

    private static Object run(Jedis connection, String... command) {
        ProtocolCommand name = () -> SafeEncoder.encode(command[0]);
        return decode(connection.sendCommand(name, Arrays.copyOfRange(command, 1, command.length)));
    }

    private static Object decode(Object reply) {
        if (reply instanceof byte[]) {
            return new String((byte[]) reply, StandardCharsets.UTF_8);
        }
        if (reply instanceof List) {
            List<Object> decoded = new ArrayList<>();
            for (Object element : (List<?>) reply) {
                decoded.add(decode(element));
            }
            return decoded;
        }
        return reply;
    }

    private static void checkNotAdmin(String user) {
        if (ADMIN_USER.equals(user)) {
            throw new IllegalArgumentException(ADMIN_USER + " is the admin user of this server; use another name");
        }
    }
}
