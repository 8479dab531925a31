package io.dualcred.drill;

import io.dualcred.redis.ClusterBuilder;
import io.dualcred.redis.DualCredentialJedisCluster;
import io.dualcred.redis.DualCredentialJedisPool;
import io.dualcred.redis.DualCredentialJedisSentinelPool;
import io.dualcred.redis.DualCredentialRedis;
import io.dualcred.redis.DualCredentialRedisClient;
import io.dualcred.redis.DualCredentialRedisClusterClient;
import io.dualcred.redis.DualCredentialRedisSentinelClient;
import io.dualcred.redis.SentinelBuilder;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationListener;
import io.dualcred.rotation.RotationStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
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
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.resps.AccessControlLogEntry;
import redis.clients.jedis.util.Pool;

/**
 * Redis (6.0 or later, ACL users) in one of three topologies — one server, a Sentinel-managed primary with replicas,
 * or a cluster — reached as a user allowed to run {@code ACL SETUSER}, {@code ACL LOG}, {@code CLIENT LIST} and
 * {@code CLIENT KILL} on every data node (and, for Sentinel, to ask the Sentinels for the primary and replicas).
 *
 * <p>The drill's users get only what the drill needs: their own keys and the connection commands. ACLs belong to
 * each process, so every action on a user runs on every data node, one node after the other, as the runbook's
 * sections 6.1 and 6.2 do. Passwords go to the servers as SHA-256 hashes ({@code #<hash>}, {@code !<hash>}). A change
 * replaces the password in one {@code ACL SETUSER} per node: there the old one stops working at once, as with
 * {@code requirepass} — the hardest case, with no overlap window. The marker of a change is, per node, the client id
 * of a connection opened right after it: Redis hands out ids in increasing order, so a smaller id is an older
 * connection. Rejected logins are counted from every node's {@code ACL LOG}. On a cluster each contender reads
 * {@value #CLUSTER_KEYS} keys spread over the slots, so that every primary serves it and every node pool rotates.
 */
final class RedisTarget implements ServerTarget {

    /** The shapes of Redis the drill rehearses on. */
    enum Topology {
        /** One server. */
        SINGLE,
        /** A primary with replicas, found through Sentinels. */
        SENTINEL,
        /** A Redis Cluster. */
        CLUSTER;

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Where and as whom to connect; the passwords are never shown.
     *
     * @param nodes the server (single), the Sentinels (sentinel) or start nodes (cluster)
     * @param masterName the name the Sentinels monitor the primary under; {@code null} unless Sentinel
     * @param sentinelUser the Sentinels' user, {@code null} for none or {@code default}
     * @param sentinelPassword the Sentinels' password, {@code null} when they need none
     */
    record AdminUrl(Topology topology, List<HostAndPort> nodes, int database, boolean ssl, String user,
                    String password, String masterName, String sentinelUser, String sentinelPassword,
                    String display) {

        /** A single server. */
        AdminUrl(String host, int port, int database, boolean ssl, String user, String password, String display) {
            this(Topology.SINGLE, List.of(new HostAndPort(host, port)), database, ssl, user, password, null, null,
                    null, display);
        }

        /** @return the first node's host */
        String host() {
            return nodes.get(0).getHost();
        }

        /** @return the first node's port */
        int port() {
            return nodes.get(0).getPort();
        }

        @Override
        public String toString() {
            return display;
        }
    }

    /** The runbook's fleet check, section 9.1 ({@code fleet-verify-redis/clients-by-version}). */
    static final String FLEET_COMMAND = "CLIENT LIST TYPE normal";
    static final int CLUSTER_KEYS = 64;
    private static final String TAG = "[dualcred:";
    private static final String KEY_PREFIX = "dualcred-drill:";
    private static final int ACL_LOG_ENTRIES = 10_000;
    private static final long EXPIRY_LIMIT_NANOS = 2_000_000_000L;

    private final AdminUrl url;
    private final String origin;
    private final String version;
    /** The data nodes, discovered once at the start: the server, the primary and replicas, or every cluster node. */
    private final List<HostAndPort> dataNodes;
    /** Per password change, each node's marker: what {@link #changePassword} returns is an index in this list. */
    private final List<Map<HostAndPort, Long>> markers = new java.util.concurrent.CopyOnWriteArrayList<>();

    RedisTarget(AdminUrl url, String origin) {
        this.url = url;
        this.origin = origin;
        try {
            this.dataNodes = discoverDataNodes();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot discover the Redis " + url.topology().key() + " at "
                    + url.display() + " as " + url.user() + ": " + e.getMessage(), e);
        }
        try (Jedis admin = admin(dataNodes.get(0))) {
            this.version = admin.info("server").lines()
                    .filter(line -> line.startsWith("redis_version:"))
                    .map(line -> line.substring("redis_version:".length()).trim())
                    .findFirst().orElse("?");
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot log in to Redis at " + dataNodes.get(0) + " as "
                    + url.user() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a Redis URL for a topology: {@code redis://user:password@host:port/db} for one server
     * ({@code rediss://} for TLS; {@code redis://:password@host} for the {@code default} user);
     * {@code redis://user:password@sentinel1:26379,sentinel2:26379/MASTER} for Sentinel, where the user and password
     * are the data nodes' and also log in to the Sentinels unless {@code ?sentinel-user=...&sentinel-password=...}
     * name others ({@code sentinel-password=} empty for Sentinels without a password);
     * {@code redis://user:password@node1:6379,node2:6379} for a cluster (any nodes; the others are discovered).
     *
     * @throws IllegalArgumentException naming what is wrong; the message never repeats the URL
     */
    static AdminUrl parseUrl(String text, Topology topology) {
        String trimmed = text.trim();
        int schemeEnd = trimmed.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : trimmed.substring(0, schemeEnd);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("--redis-url must start with redis:// or rediss://");
        }
        String rest = trimmed.substring(schemeEnd + 3);
        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        int slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hosts = authority.substring(at + 1);
        String user = "default";
        String password = null;
        if (userInfo != null) {
            String[] parts = userInfo.split(":", 2);
            if (parts.length == 1) {
                password = decode(parts[0]);
            } else {
                user = parts[0].isEmpty() ? "default" : decode(parts[0]);
                password = decode(parts[1]);
            }
        }
        List<HostAndPort> nodes = new ArrayList<>();
        for (String node : hosts.split(",")) {
            nodes.add(hostAndPort(node.trim(), topology == Topology.SENTINEL ? 26379 : 6379));
        }
        if (topology == Topology.SINGLE && nodes.size() > 1) {
            throw new IllegalArgumentException("--redis-url names " + nodes.size() + " hosts; a single server has "
                    + "one (use --topology sentinel or cluster for several)");
        }
        int database = 0;
        String masterName = null;
        if (topology == Topology.SENTINEL) {
            masterName = decode(path);
            if (masterName.isBlank()) {
                throw new IllegalArgumentException("--redis-url for --topology sentinel must end with the name the "
                        + "Sentinels monitor the primary under, e.g. redis://user:pw@sentinel:26379/mymaster");
            }
        } else if (!path.isEmpty()) {
            try {
                database = Integer.parseInt(path);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--redis-url database must be a number, e.g. redis://host:6379/0");
            }
            if (topology == Topology.CLUSTER && database != 0) {
                throw new IllegalArgumentException("--redis-url names database " + database + "; a cluster has "
                        + "database 0 only");
            }
        }
        String storedPassword = password == null || password.isEmpty() ? null : password;
        String sentinelUser = topology == Topology.SENTINEL ? user : null;
        String sentinelPassword = topology == Topology.SENTINEL ? storedPassword : null;
        for (String parameter : query.isEmpty() ? new String[0] : query.split("&")) {
            String[] pair = parameter.split("=", 2);
            String value = pair.length == 2 ? decode(pair[1]) : "";
            if (topology == Topology.SENTINEL && pair[0].equals("sentinel-user")) {
                sentinelUser = value.isEmpty() ? "default" : value;
            } else if (topology == Topology.SENTINEL && pair[0].equals("sentinel-password")) {
                sentinelPassword = value.isEmpty() ? null : value;
            } else {
                throw new IllegalArgumentException("--redis-url has an unknown parameter '" + pair[0] + "'"
                        + (topology == Topology.SENTINEL ? " (known: sentinel-user, sentinel-password)"
                        : " (none are known for --topology " + topology.key() + ")"));
            }
        }
        boolean ssl = scheme.equals("rediss");
        String where = String.join(",", nodes.stream().map(HostAndPort::toString).toList());
        String display = switch (topology) {
            case SINGLE -> where + (database == 0 ? "" : "/" + database);
            case SENTINEL -> "Sentinels " + where + ", primary " + masterName;
            case CLUSTER -> "cluster via " + where;
        } + (ssl ? " (TLS)" : "");
        return new AdminUrl(topology, List.copyOf(nodes), database, ssl, user, storedPassword, masterName,
                sentinelUser, sentinelPassword, display);
    }

    /** {@link #parseUrl(String, Topology)} for one server. */
    static AdminUrl parseUrl(String text) {
        return parseUrl(text, Topology.SINGLE);
    }

    private static HostAndPort hostAndPort(String node, int defaultPort) {
        if (node.isEmpty()) {
            throw new IllegalArgumentException("--redis-url must name a host");
        }
        String host = node;
        int port = defaultPort;
        int colon = node.lastIndexOf(':');
        if (colon > node.lastIndexOf(']')) {
            host = node.substring(0, colon);
            try {
                port = Integer.parseInt(node.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--redis-url has a port that is not a number after host "
                        + host);
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--redis-url must name a host");
        }
        return new HostAndPort(host, port);
    }

    @Override
    public Backend backend() {
        return Backend.REDIS;
    }

    @Override
    public String topology() {
        return url.topology().key();
    }

    @Override
    public String description() {
        String shape = switch (url.topology()) {
            case SINGLE -> "";
            case SENTINEL -> ", Sentinel: primary and " + (dataNodes.size() - 1) + " replica(s)";
            case CLUSTER -> ", cluster of " + dataNodes.size() + " nodes";
        };
        return "Redis " + version + shape + " (" + origin + ", " + url.display() + ", admin " + url.user() + ")";
    }

    @Override
    public String passwordChangeCommand() {
        return "ACL SETUSER ... #<new hash> !<old hash>" + (dataNodes.size() > 1 ? " on each of the "
                + dataNodes.size() + " data nodes in turn" : "");
    }

    @Override
    public String sessionsView() {
        return "CLIENT LIST";
    }

    @Override
    public void createUser(String user, String password) {
        List<String> rules = new ArrayList<>(List.of("reset", "on", "#" + sha256(password),
                "~" + KEY_PREFIX + user + ":*", "resetchannels", "-@all", "+@connection", "+get"));
        if (url.topology() == Topology.CLUSTER) {
            // what a cluster client asks to learn the slots' owners
            rules.addAll(List.of("+cluster|slots", "+cluster|shards", "+cluster|nodes"));
        }
        for (HostAndPort node : dataNodes) {
            try (Jedis admin = admin(node)) {
                admin.aclSetUser(user, rules.toArray(String[]::new));
            }
        }
        writeKeys(user, false);
    }

    @Override
    public long changePassword(String user, String oldPassword, String newPassword) {
        for (HostAndPort node : dataNodes) {
            try (Jedis admin = admin(node)) {
                admin.aclSetUser(user, "#" + sha256(newPassword), "!" + sha256(oldPassword));
            }
        }
        Map<HostAndPort, Long> perNode = new java.util.LinkedHashMap<>();
        for (HostAndPort node : dataNodes) {
            try (Jedis marker = admin(node)) {
                perNode.put(node, marker.clientId());
            }
        }
        markers.add(Map.copyOf(perNode));
        return markers.size() - 1;
    }

    @Override
    public int sessionsOpenedBefore(String user, long marker) {
        int count = 0;
        for (Map.Entry<HostAndPort, Long> node : markers.get((int) marker).entrySet()) {
            try (Jedis admin = admin(node.getKey())) {
                count += openedBefore(admin, user, node.getValue()).size();
            }
        }
        return count;
    }

    @Override
    public String fleetCheckCommand() {
        return FLEET_COMMAND + (dataNodes.size() > 1 ? " on every data node" : "");
    }

    /** One {@code CLIENT LIST TYPE normal} per node shows both each connection's tag and its id, which tells its age. */
    @Override
    public FleetCheck fleetCheck(String user, long marker) {
        Map<String, Integer> byVersion = new TreeMap<>();
        int openedBefore = 0;
        for (Map.Entry<HostAndPort, Long> node : markers.get((int) marker).entrySet()) {
            try (Jedis admin = admin(node.getKey())) {
                for (ClientEntry client : clients(admin.clientList(ClientType.NORMAL))) {
                    if (user.equals(client.user())) {
                        byVersion.merge(tagVersion(client.name()), 1, Integer::sum);
                        openedBefore += client.id() < node.getValue() ? 1 : 0;
                    }
                }
            }
        }
        return new FleetCheck(byVersion, openedBefore);
    }

    @Override
    public int terminateSessionsOpenedBefore(String user, long marker) {
        int killed = 0;
        for (Map.Entry<HostAndPort, Long> node : markers.get((int) marker).entrySet()) {
            try (Jedis admin = admin(node.getKey())) {
                for (long id : openedBefore(admin, user, node.getValue())) {
                    killed += (int) admin.clientKill(ClientKillParams.clientKillParams().id(Long.toString(id)));
                }
            }
        }
        return killed;
    }

    @Override
    public OptionalLong rejectedLogins(String user) {
        long count = 0;
        for (HostAndPort node : dataNodes) {
            try (Jedis admin = admin(node)) {
                for (AccessControlLogEntry entry : admin.aclLog(ACL_LOG_ENTRIES)) {
                    if ("auth".equals(entry.getReason()) && user.equals(entry.getUsername())) {
                        count += entry.getCount();
                    }
                }
            }
        }
        return OptionalLong.of(count);
    }

    @Override
    public void dropUser(String user) {
        RuntimeException first = null;
        try {
            writeKeys(user, true);
        } catch (RuntimeException e) {
            first = e;
        }
        for (HostAndPort node : dataNodes) {
            try (Jedis admin = admin(node)) {
                admin.aclDelUser(user);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public OptionalDouble firstLoginAfter(String user, long marker, long changedNanos) {
        for (Map.Entry<HostAndPort, Long> node : markers.get((int) marker).entrySet()) {
            try (Jedis admin = admin(node.getKey())) {
                if (openedAfter(admin, user, node.getValue())) {
                    return OptionalDouble.of((System.nanoTime() - changedNanos) / 1e6);
                }
            }
        }
        return OptionalDouble.empty();
    }

    @Override
    public DrillClient open(Contender contender, String user, String password, SecretDirectory secrets,
                            RotationListener listener, PoolSettings settings) {
        String name = "drill-redis-" + contender.label();
        String[] keys = keys(user);
        if (contender.dualcred()) {
            return openDualcred(contender, name, keys, secrets, listener, settings);
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
        // A fixed password has nothing to move to: an operator's eviction would only make it fail sooner.
        boolean evictable = !contender.fixed();
        switch (url.topology()) {
            case SENTINEL -> {
                RedisSentinelClient client = RedisSentinelClient.builder()
                        .masterName(url.masterName())
                        .sentinels(new LinkedHashSet<>(url.nodes()))
                        .clientConfig(config.build())
                        .sentinelClientConfig(sentinelConfig(timeout))
                        .poolConfig(pool)
                        .build();
                Supplier<Collection<? extends GenericObjectPool<?>>> pools =
                        () -> client.getPrimaryNodesConnectionMap().values();
                return new Client(spread(client::get, keys), pools, Optional::empty,
                        evictable ? Optional.of(() -> clear(pools)) : Optional.empty(), client::close);
            }
            case CLUSTER -> {
                RedisClusterClient client = RedisClusterClient.builder()
                        .nodes(new LinkedHashSet<>(url.nodes()))
                        .clientConfig(config.build())
                        .poolConfig(pool)
                        .build();
                Supplier<Collection<? extends GenericObjectPool<?>>> pools = () -> client.getClusterNodes().values();
                return new Client(spread(client::get, keys), pools, Optional::empty,
                        evictable ? Optional.of(() -> clear(pools)) : Optional.empty(), client::close);
            }
            default -> {
                RedisClient client = RedisClient.builder()
                        .hostAndPort(url.nodes().get(0))
                        .clientConfig(config.build())
                        .poolConfig(pool)
                        .build();
                Pool<Connection> connections = client.getPool();
                return new Client(spread(client::get, keys), () -> List.of(connections), Optional::empty,
                        evictable ? Optional.of(connections::clear) : Optional.empty(), client::close);
            }
        }
    }

    /** dualcred's two flavours for the topology: the {@code RedisClient} family, and the legacy pool family. */
    private DrillClient openDualcred(Contender contender, String name, String[] keys, SecretDirectory secrets,
                                     RotationListener listener, PoolSettings settings) {
        DualCredentialRedis.Builder builder = DualCredentialRedis.builder()
                .poolName(name)
                .ssl(url.ssl())
                .protocol(RedisProtocol.RESP2)
                .timeout(settings.connectionTimeout())
                .clientName(name)
                .maxTotal(settings.poolSize())
                .maxIdle(settings.poolSize())
                .maxWait(settings.connectionTimeout())
                .credentialSource(CredentialSources.directory(secrets.path()))
                .listener(listener);
        boolean legacy = contender == Contender.DUALCRED_POOL;
        switch (url.topology()) {
            case SENTINEL -> {
                SentinelBuilder sentinel = builder.sentinel(url.masterName(), url.nodes());
                if (url.sentinelPassword() != null) {
                    sentinel.sentinelCredentialSource(CredentialSources.fixed(
                            Credential.of(url.sentinelUser(), url.sentinelPassword())));
                }
                if (legacy) {
                    DualCredentialJedisSentinelPool pool = sentinel.buildPool();
                    return new Client(spread(key -> {
                        try (Jedis jedis = pool.getResource()) {
                            return jedis.get(key);
                        }
                    }, keys), () -> List.of(pool), () -> Optional.of(pool.rotation().status()),
                            Optional.of(() -> pool.rotation().evictConnections()), pool::close);
                }
                DualCredentialRedisSentinelClient redis = sentinel.buildClient();
                RedisSentinelClient client = redis.client();
                return new Client(spread(client::get, keys), () -> client.getPrimaryNodesConnectionMap().values(),
                        () -> Optional.of(redis.rotation().status()),
                        Optional.of(() -> redis.rotation().evictConnections()), redis::close);
            }
            case CLUSTER -> {
                ClusterBuilder cluster = builder.cluster(url.nodes());
                if (legacy) {
                    DualCredentialJedisCluster jedisCluster = cluster.buildJedisCluster();
                    return new Client(spread(jedisCluster::get, keys), () -> jedisCluster.getClusterNodes().values(),
                            () -> Optional.of(jedisCluster.rotation().status()),
                            Optional.of(() -> jedisCluster.rotation().evictConnections()), jedisCluster::close);
                }
                DualCredentialRedisClusterClient redis = cluster.buildClient();
                RedisClusterClient client = redis.client();
                return new Client(spread(client::get, keys), () -> client.getClusterNodes().values(),
                        () -> Optional.of(redis.rotation().status()),
                        Optional.of(() -> redis.rotation().evictConnections()), redis::close);
            }
            default -> {
                builder.hostAndPort(url.nodes().get(0)).database(url.database());
                if (legacy) {
                    DualCredentialJedisPool pool = builder.buildPool();
                    return new Client(spread(key -> {
                        try (Jedis jedis = pool.getResource()) {
                            return jedis.get(key);
                        }
                    }, keys), () -> List.of(pool), () -> Optional.of(pool.rotation().status()),
                            Optional.of(() -> pool.rotation().evictConnections()), pool::close);
                }
                DualCredentialRedisClient redis = builder.buildClient();
                RedisClient client = redis.client();
                Pool<Connection> connections = client.getPool();
                return new Client(spread(client::get, keys), () -> List.of(connections),
                        () -> Optional.of(redis.rotation().status()),
                        Optional.of(() -> redis.rotation().evictConnections()), redis::close);
            }
        }
    }

    @Override
    public void close() {
        // every admin action uses its own connection
    }

    /** An operation that reads one of the keys, a different one each time on each thread. */
    private static Load.Operation spread(java.util.function.Function<String, String> get, String[] keys) {
        if (keys.length == 1) {
            return () -> get.apply(keys[0]);
        }
        return () -> get.apply(keys[ThreadLocalRandom.current().nextInt(keys.length)]);
    }

    private static void clear(Supplier<Collection<? extends GenericObjectPool<?>>> pools) {
        pools.get().forEach(GenericObjectPool::clear);
    }

    /**
     * A Jedis client under load. Its pools: one for one server or a Sentinel primary, one per node for a cluster
     * (and they may change as the client follows the topology).
     */
    private record Client(Load.Operation operation, Supplier<Collection<? extends GenericObjectPool<?>>> pools,
                          Supplier<Optional<RotationStatus>> statusSupplier, Optional<Runnable> operatorEvict,
                          Runnable closer) implements DrillClient {

        @Override
        public Optional<RotationStatus> status() {
            return statusSupplier.get();
        }

        @Override
        public int connections() {
            return held(List.copyOf(pools.get()));
        }

        private static int held(List<? extends GenericObjectPool<?>> pools) {
            long held = 0;
            for (GenericObjectPool<?> pool : pools) {
                // created first: two reads of moving counts must not add up to more than the pool ever held
                long created = pool.getCreatedCount();
                held += created - pool.getDestroyedCount();
            }
            return (int) held;
        }

        /**
         * commons-pool's {@code clear()} destroys the connections idle at that instant, as its idle eviction would;
         * under load a connection is idle only between a return and the next borrow, so it is repeated, for at most
         * {@link #EXPIRY_LIMIT_NANOS}, until as many connections were destroyed as the pools held.
         */
        @Override
        public int expireConnections() {
            List<? extends GenericObjectPool<?>> now = List.copyOf(pools.get());
            long destroyedBefore = destroyed(now);
            int held = held(now);
            long deadline = System.nanoTime() + EXPIRY_LIMIT_NANOS;
            int destroyed = 0;
            while (destroyed < held && System.nanoTime() - deadline < 0) {
                now.forEach(GenericObjectPool::clear);
                destroyed = (int) (destroyed(now) - destroyedBefore);
                LockSupport.parkNanos(200_000);
            }
            return destroyed;
        }

        private static long destroyed(List<? extends GenericObjectPool<?>> pools) {
            return pools.stream().mapToLong(GenericObjectPool::getDestroyedCount).sum();
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    /** The data nodes: the server itself, the Sentinels' primary and replicas, or every node of the cluster. */
    private List<HostAndPort> discoverDataNodes() {
        return switch (url.topology()) {
            case SINGLE -> url.nodes();
            case SENTINEL -> withSentinel(sentinel -> {
                List<HostAndPort> nodes = new ArrayList<>();
                nodes.add(primaryFrom(sentinel));
                for (Map<String, String> replica : sentinel.sentinelReplicas(url.masterName())) {
                    String flags = replica.getOrDefault("flags", "");
                    if (!flags.contains("s_down") && !flags.contains("o_down") && !flags.contains("disconnected")) {
                        nodes.add(new HostAndPort(replica.get("ip"), Integer.parseInt(replica.get("port"))));
                    }
                }
                return List.copyOf(nodes);
            });
            case CLUSTER -> {
                RuntimeException last = null;
                for (HostAndPort start : url.nodes()) {
                    try (Jedis admin = admin(start)) {
                        yield clusterNodes(admin.clusterNodes());
                    } catch (RuntimeException e) {
                        last = e;
                    }
                }
                throw last;
            }
        };
    }

    /** @return every node of {@code CLUSTER NODES} that is not failing, primaries and replicas */
    static List<HostAndPort> clusterNodes(String listing) {
        List<HostAndPort> nodes = new ArrayList<>();
        for (String line : listing.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 3 || fields[2].contains("fail") || fields[2].contains("noaddr")) {
                continue;
            }
            String address = fields[1];
            int bus = address.indexOf('@');
            nodes.add(hostAndPort(bus < 0 ? address : address.substring(0, bus), 6379));
        }
        if (nodes.isEmpty()) {
            throw new IllegalStateException("CLUSTER NODES lists no node that is up");
        }
        return List.copyOf(nodes);
    }

    private HostAndPort primaryFrom(Jedis sentinel) {
        List<String> address = sentinel.sentinelGetMasterAddrByName(url.masterName());
        if (address == null || address.size() < 2) {
            throw new IllegalStateException("the Sentinels know no primary named " + url.masterName());
        }
        return new HostAndPort(address.get(0), Integer.parseInt(address.get(1)));
    }

    private <T> T withSentinel(java.util.function.Function<Jedis, T> action) {
        RuntimeException last = null;
        for (HostAndPort address : url.nodes()) {
            try (Jedis sentinel = new Jedis(address, sentinelConfig(10_000))) {
                return action.apply(sentinel);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    /** Writes (or deletes) the user's keys where they live: the server, the Sentinels' primary, the slot's node. */
    private void writeKeys(String user, boolean delete) {
        String[] keys = keys(user);
        switch (url.topology()) {
            case CLUSTER -> {
                try (RedisClusterClient admin = RedisClusterClient.builder()
                        .nodes(new LinkedHashSet<>(dataNodes))
                        .clientConfig(adminConfig().build())
                        .build()) {
                    for (String key : keys) {
                        if (delete) {
                            admin.del(key);
                        } else {
                            admin.set(key, "dualcred drill value for " + user);
                        }
                    }
                }
            }
            default -> {
                HostAndPort primary = url.topology() == Topology.SENTINEL ? withSentinel(this::primaryFrom)
                        : dataNodes.get(0);
                try (Jedis admin = admin(primary)) {
                    for (String key : keys) {
                        if (delete) {
                            admin.del(key);
                        } else {
                            admin.set(key, "dualcred drill value for " + user);
                        }
                    }
                }
            }
        }
    }

    private String[] keys(String user) {
        int count = url.topology() == Topology.CLUSTER ? CLUSTER_KEYS : 1;
        String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = KEY_PREFIX + user + ":" + i;
        }
        return keys;
    }

    private DefaultJedisClientConfig.Builder adminConfig() {
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
        return config;
    }

    private Jedis admin(HostAndPort node) {
        return new Jedis(node, adminConfig().build());
    }

    private DefaultJedisClientConfig sentinelConfig(int timeoutMillis) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .ssl(url.ssl())
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .timeoutMillis(timeoutMillis);
        if (url.sentinelPassword() != null) {
            config.user(url.sentinelUser()).password(url.sentinelPassword());
        }
        return config.build();
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
