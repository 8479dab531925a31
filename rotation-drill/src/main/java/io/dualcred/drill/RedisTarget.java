package io.dualcred.drill;

import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.rotation.CredentialSource;
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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.resps.AccessControlLogEntry;

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

    private static final String KEY_PREFIX = "dualcred-drill:";
    private static final int ACL_LOG_ENTRIES = 10_000;

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
    public DrillClient openPlain(String user, String password, PoolSettings settings) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMaxWait(settings.connectionTimeout());
        int timeout = (int) settings.connectionTimeout().toMillis();
        RedisClient client = RedisClient.builder()
                .hostAndPort(new HostAndPort(url.host(), url.port()))
                .clientConfig(DefaultJedisClientConfig.builder()
                        .user(user)
                        .password(password)
                        .database(url.database())
                        .ssl(url.ssl())
                        .protocol(RedisProtocol.RESP2)
                        .connectionTimeoutMillis(timeout)
                        .socketTimeoutMillis(timeout)
                        .clientName("dualcred-drill-plain")
                        .build())
                .poolConfig(pool)
                .build();
        String key = key(user);
        // A plain pool has no way to move to a new password: it is left alone, as a service would be.
        return new Client(() -> client.get(key), Optional::empty, () -> { }, client::close);
    }

    @Override
    public DrillClient openDualcred(String user, CredentialSource source, RotationListener listener,
                                    PoolSettings settings) {
        DualCredentialRedisClient redis = DualCredentialRedis.builder()
                .poolName("dualcred-redis")
                .hostAndPort(url.host(), url.port())
                .database(url.database())
                .ssl(url.ssl())
                .protocol(RedisProtocol.RESP2)
                .timeout(settings.connectionTimeout())
                .clientName("dualcred-drill-dualcred")
                .maxTotal(settings.poolSize())
                .maxIdle(settings.poolSize())
                .maxWait(settings.connectionTimeout())
                .credentialSource(source)
                .listener(listener)
                .buildClient();
        String key = key(user);
        RedisClient client = redis.client();
        return new Client(() -> client.get(key), () -> Optional.of(redis.rotation().status()),
                () -> redis.rotation().evictConnections(), redis::close);
    }

    @Override
    public void close() {
        // every admin action uses its own connection
    }

    /** A Jedis client under load: every operation is a {@code GET} of the user's key. */
    private record Client(Load.Operation operation, Supplier<Optional<RotationStatus>> statusSupplier,
                          Runnable evict, Runnable closer) implements DrillClient {

        @Override
        public Optional<RotationStatus> status() {
            return statusSupplier.get();
        }

        @Override
        public void evictConnections() {
            evict.run();
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

    private static List<Long> openedBefore(Jedis admin, String user, long marker) {
        List<Long> ids = new ArrayList<>();
        for (String line : admin.clientList().split("\n")) {
            long id = -1;
            String owner = null;
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("id=")) {
                    id = Long.parseLong(field.substring(3));
                } else if (field.startsWith("user=")) {
                    owner = field.substring(5);
                }
            }
            if (id >= 0 && id < marker && user.equals(owner)) {
                ids.add(id);
            }
        }
        return ids;
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
