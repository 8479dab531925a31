package io.dualcred.drill;

import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.resps.AccessControlLogEntry;
import redis.clients.jedis.util.Pool;

/**
 * A Redis server (6.0 or later, ACL users) reached as a user allowed to run {@code ACL SETUSER}, {@code ACL LOG},
 * {@code CLIENT LIST} and {@code CLIENT KILL}.
 *
 * <p>The drill's users get only what the drill needs: their own key and the connection commands. Passwords go to
 * the server as SHA-256 hashes ({@code #<hash>}, {@code !<hash>}). A change replaces the password in one
 * {@code ACL SETUSER}: the old one stops working at once, as with {@code requirepass} — the hardest case, with no
 * overlap window. The marker of a change is the client id of a connection opened right after it: Redis hands out
 * ids in increasing order, so a smaller id is an older connection. Rejected logins are counted from {@code ACL LOG}.
 */
final class RedisTarget implements ServerTarget {

    /** Where and as whom to connect; the password is never shown. */
    record AdminUrl(String host, int port, int database, boolean ssl, String user, String password, String display) {

        @Override
        public String toString() {
            return display;
        }
    }

    /** The runbook's fleet check, section 9.1 ({@code fleet-verify-redis/clients-by-version}). */
    static final String FLEET_COMMAND = "CLIENT LIST TYPE normal";
    private static final String TAG = "[dualcred:";
    private static final String KEY_PREFIX = "dualcred-drill:";
    private static final int ACL_LOG_ENTRIES = 10_000;
    private static final long EXPIRY_LIMIT_NANOS = 2_000_000_000L;

    private final AdminUrl url;
    private final String origin;
    private final String version;

    RedisTarget(AdminUrl url, String origin) {
        this.url = url;
        this.origin = origin;
        try (Jedis admin = admin()) {
            this.version = admin.info("server").lines()
                    .filter(line -> line.startsWith("redis_version:"))
                    .map(line -> line.substring("redis_version:".length()).trim())
                    .findFirst().orElse("?");
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot log in to Redis at " + url.display() + " as "
                    + url.user() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code redis://user:password@host:port/db} ({@code rediss://} for TLS; {@code redis://:password@host}
     * for the {@code default} user).
     *
     * @throws IllegalArgumentException naming what is wrong; the message never repeats the URL
     */
    static AdminUrl parseUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--redis-url is malformed at index " + e.getIndex() + ": "
                    + e.getReason());
        }
        String scheme = String.valueOf(uri.getScheme());
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("--redis-url must start with redis:// or rediss://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("--redis-url must name a host");
        }
        String user = "default";
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            if (parts.length == 1) {
                password = decode(parts[0]);
            } else {
                user = parts[0].isEmpty() ? "default" : decode(parts[0]);
                password = decode(parts[1]);
            }
        }
        int database = 0;
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!path.isEmpty()) {
            try {
                database = Integer.parseInt(path);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--redis-url database must be a number, e.g. redis://host:6379/0");
            }
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        return new AdminUrl(uri.getHost(), port, database, scheme.equals("rediss"), user,
                password == null || password.isEmpty() ? null : password,
                uri.getHost() + ":" + port + (database == 0 ? "" : "/" + database) + (scheme.equals("rediss")
                        ? " (TLS)" : ""));
    }

    @Override
    public Backend backend() {
        return Backend.REDIS;
    }

    @Override
    public String description() {
        return "Redis " + version + " (" + origin + ", " + url.display() + ", admin " + url.user() + ")";
    }

    @Override
    public String passwordChangeCommand() {
        return "ACL SETUSER ... #<new hash> !<old hash>";
    }

    @Override
    public String sessionsView() {
        return "CLIENT LIST";
    }

    @Override
    public void createUser(String user, String password) {
        try (Jedis admin = admin()) {
            admin.aclSetUser(user, "reset", "on", "#" + sha256(password), "~" + key(user), "resetchannels",
                    "-@all", "+@connection", "+get");
            admin.set(key(user), "dualcred drill value for " + user);
        }
    }

    @Override
    public long changePassword(String user, String oldPassword, String newPassword) {
        try (Jedis admin = admin()) {
            admin.aclSetUser(user, "#" + sha256(newPassword), "!" + sha256(oldPassword));
        }
        try (Jedis marker = admin()) {
            return marker.clientId();
        }
    }

    @Override
    public int sessionsOpenedBefore(String user, long marker) {
        try (Jedis admin = admin()) {
            return openedBefore(admin, user, marker).size();
        }
    }

    @Override
    public String fleetCheckCommand() {
        return FLEET_COMMAND;
    }

    /** One {@code CLIENT LIST TYPE normal} shows both each connection's tag and its id, which tells its age. */
    @Override
    public FleetCheck fleetCheck(String user, long marker) {
        try (Jedis admin = admin()) {
            Map<String, Integer> byVersion = new TreeMap<>();
            int openedBefore = 0;
            for (ClientEntry client : clients(admin.clientList(ClientType.NORMAL))) {
                if (user.equals(client.user())) {
                    byVersion.merge(tagVersion(client.name()), 1, Integer::sum);
                    openedBefore += client.id() < marker ? 1 : 0;
                }
            }
            return new FleetCheck(byVersion, openedBefore);
        }
    }

    @Override
    public int terminateSessionsOpenedBefore(String user, long marker) {
        int killed = 0;
        try (Jedis admin = admin()) {
            for (long id : openedBefore(admin, user, marker)) {
                killed += (int) admin.clientKill(ClientKillParams.clientKillParams().id(Long.toString(id)));
            }
        }
        return killed;
    }

    @Override
    public OptionalLong rejectedLogins(String user) {
        try (Jedis admin = admin()) {
            long count = 0;
            for (AccessControlLogEntry entry : admin.aclLog(ACL_LOG_ENTRIES)) {
                if ("auth".equals(entry.getReason()) && user.equals(entry.getUsername())) {
                    count += entry.getCount();
                }
            }
            return OptionalLong.of(count);
        }
    }

    @Override
    public void dropUser(String user) {
        try (Jedis admin = admin()) {
            admin.aclDelUser(user);
            admin.del(key(user));
        }
    }

    @Override
    public OptionalDouble firstLoginAfter(String user, long marker, long changedNanos) {
        try (Jedis admin = admin()) {
            return openedAfter(admin, user, marker) ? OptionalDouble.of((System.nanoTime() - changedNanos) / 1e6)
                    : OptionalDouble.empty();
        }
    }

    @Override
    public DrillClient open(Contender contender, String user, String password, SecretDirectory secrets,
                            RotationListener listener, PoolSettings settings) {
        String name = "drill-redis-" + contender.label();
        String key = key(user);
        if (contender.dualcred()) {
            DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                    .poolName(name)
                    .hostAndPort(url.host(), url.port())
                    .database(url.database())
                    .ssl(url.ssl())
                    .protocol(RedisProtocol.RESP2)
                    .timeout(settings.connectionTimeout())
                    .clientName(name)
                    .maxTotal(settings.poolSize())
                    .maxIdle(settings.poolSize())
                    .maxWait(settings.connectionTimeout())
                    .credentialSource(CredentialSources.directory(secrets.path()))
                    .listener(listener);
            if (contender == Contender.DUALCRED_POOL) {
                DualCredentialJedisPool pool = builder.buildPool();
                return new Client(() -> {
                    try (Jedis jedis = pool.getResource()) {
                        jedis.get(key);
                    }
                }, pool, () -> Optional.of(pool.rotation().status()),
                        Optional.of(() -> pool.rotation().evictConnections()), pool::close);
            }
            DualCredentialRedisClient redis = builder.buildClient();
            RedisClient client = redis.client();
            return new Client(() -> client.get(key), client.getPool(), () -> Optional.of(redis.rotation().status()),
                    Optional.of(() -> redis.rotation().evictConnections()), redis::close);
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMaxWait(settings.connectionTimeout());
        int timeout = (int) settings.connectionTimeout().toMillis();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .database(url.database())
                .ssl(url.ssl())
                .protocol(RedisProtocol.RESP2)
                .connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout)
                .clientName(name);
        if (contender.fixed()) {
            config.user(user).password(password);
        } else {
            RedisAlternatives.provider(config, secrets.path());
        }
        RedisClient client = RedisClient.builder()
                .hostAndPort(new HostAndPort(url.host(), url.port()))
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
        Pool<Connection> connections = client.getPool();
        // A fixed password has nothing to move to: an operator's eviction would only make it fail sooner.
        Optional<Runnable> evict = contender.fixed() ? Optional.empty() : Optional.of(connections::clear);
        return new Client(() -> client.get(key), connections, Optional::empty, evict, client::close);
    }

    @Override
    public void close() {
        // every admin action uses its own connection
    }

    /** A Jedis client under load: every operation is a {@code GET} of the user's key. */
    private record Client(Load.Operation operation, GenericObjectPool<?> pool,
                          Supplier<Optional<RotationStatus>> statusSupplier, Optional<Runnable> operatorEvict,
                          Runnable closer) implements DrillClient {

        @Override
        public Optional<RotationStatus> status() {
            return statusSupplier.get();
        }

        @Override
        public int connections() {
            // created first: two reads of moving counts must not add up to more than the pool ever held
            long created = pool.getCreatedCount();
            return (int) (created - pool.getDestroyedCount());
        }

        /**
         * commons-pool's {@code clear()} destroys the connections idle at that instant, as its idle eviction would;
         * under load a connection is idle only between a return and the next borrow, so it is repeated, for at most
         * {@link #EXPIRY_LIMIT_NANOS}, until as many connections were destroyed as the pool held.
         */
        @Override
        public int expireConnections() {
            long destroyedBefore = pool.getDestroyedCount();
            int held = connections();
            long deadline = System.nanoTime() + EXPIRY_LIMIT_NANOS;
            int destroyed = 0;
            while (destroyed < held && System.nanoTime() - deadline < 0) {
                pool.clear();
                destroyed = (int) (pool.getDestroyedCount() - destroyedBefore);
                LockSupport.parkNanos(200_000);
            }
            return destroyed;
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    private Jedis admin() {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .database(url.database())
                .ssl(url.ssl())
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .clientName("dualcred-drill-admin")
                .timeoutMillis(10_000);
        if (url.password() != null) {
            config.user(url.user()).password(url.password());
        }
        return new Jedis(new HostAndPort(url.host(), url.port()), config.build());
    }

    private static boolean openedAfter(Jedis admin, String user, long marker) {
        return clients(admin.clientList()).stream()
                .anyMatch(client -> client.id() > marker && user.equals(client.user()));
    }

    private static List<Long> openedBefore(Jedis admin, String user, long marker) {
        return clients(admin.clientList()).stream().filter(client -> client.id() < marker && user.equals(client.user()))
                .map(ClientEntry::id).toList();
    }

    /** One line of {@code CLIENT LIST}: the connection's id (increasing with age), its user and its name. */
    private record ClientEntry(long id, String user, String name) {
    }

    private static List<ClientEntry> clients(String list) {
        List<ClientEntry> clients = new ArrayList<>();
        for (String line : list.split("\n")) {
            long id = -1;
            String owner = null;
            String name = "";
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("id=")) {
                    id = Long.parseLong(field.substring(3));
                } else if (field.startsWith("user=")) {
                    owner = field.substring(5);
                } else if (field.startsWith("name=")) {
                    name = field.substring(5);
                }
            }
            if (id >= 0) {
                clients.add(new ClientEntry(id, owner, name));
            }
        }
        return clients;
    }

    /** @return {@code v7} for a name ending in {@code [dualcred:v7]}, else {@code untagged}, as the runbook reads it */
    static String tagVersion(String name) {
        int tag = name.lastIndexOf(TAG);
        return tag < 0 || !name.endsWith("]") ? "untagged" : name.substring(tag + TAG.length(), name.length() - 1);
    }

    private static String key(String user) {
        return KEY_PREFIX + user;
    }

    static String sha256(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
