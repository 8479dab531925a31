package io.dualcred.drill;

import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisClusterTopology;
import io.dualcred.testservers.RedisSentinelTopology;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.TestServers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import redis.clients.jedis.HostAndPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./drill}: rehearses a password rotation under load with dualcred and the alternatives a careful team would
 * write side by side, in the runbook's order and in the gap order, and reports what each of them went through.
 */
@Command(name = "drill", sortOptions = false, usageHelpWidth = 110,
        description = {
            "Rehearses a password rotation under load and compares dualcred with what teams write without it. "
                    + "Per backend, every contender gets its own user and secret directory, the same load and the "
                    + "same operator steps at the same moments. PostgreSQL: fixed (plain HikariCP, one password), "
                    + "provider (HikariCP's credentials provider reading CURRENT at every new connection), watcher "
                    + "(plain HikariCP plus a store watcher calling setPassword and softEvictConnections()), dualcred. "
                    + "Redis: fixed, provider (Jedis credentials provider reading CURRENT), dualcred (RedisClient) "
                    + "and dualcred-pool (JedisPool). A second fixed pool, fixed-2, is the noise control.",
            "",
            "Scenarios: runbook (stage NEXT, change the server, promote after the store delay, verify, revoke) and "
                    + "gap (stage NEXT, change the server, connections expire so that every pool must log in again, "
                    + "promote after the store delay, verify, revoke). Nobody calls evictConnections() unless --evict "
                    + "says so, and then every contender with an equivalent gets it.",
            "",
            "By default it starts embedded PostgreSQL and Redis servers; --postgres-url and --redis-url point it at "
                    + "staging servers instead (it creates throw-away users there and removes them at the end).",
            ""},
        footer = {
            "",
            "Exit status: 0 when dualcred failed no operation in every scenario and no other contender had fewer "
                    + "failed operations or rejected logins; 1 when one did (it is named); 2 for a usage error; 3 "
                    + "when the drill could not run. Timeouts on a busy pool (every connection alive and lent) are "
                    + "the machine's load and count for no contender.",
            "Examples:",
            "  ./drill",
            "  ./drill --backend redis --scenario gap --store-delay 10s",
            "  ./drill --backend redis --topology cluster",
            "  ./drill --evict",
            "  ./drill --backend postgres --postgres-url postgresql://admin:secret@db.staging:5432/app",
            ""})
public final class DrillCommand implements Callable<Integer> {

    /** How the two backends are chosen on the command line. */
    enum BackendChoice {
        postgres, redis, both
    }

    /** How the Redis topology is chosen on the command line. */
    enum TopologyChoice {
        single, sentinel, cluster
    }

    /** How the scenarios are chosen on the command line. */
    enum ScenarioChoice {
        runbook, gap, both
    }

    @Option(names = "--scenario", defaultValue = "both", paramLabel = "runbook|gap|both",
            description = "Which scenarios to run on each backend (default: ${DEFAULT-VALUE}).")
    private ScenarioChoice scenario;

    @Option(names = "--store-delay", defaultValue = "2s", converter = Durations.class, paramLabel = "DURATION",
            description = "From the server change (gap: from the expiry) to the promotion in the store "
                    + "(default: ${DEFAULT-VALUE}).")
    private Duration storeDelay;

    @Option(names = "--evict",
            description = "Right after the server change, call each contender's eviction: evictConnections() on "
                    + "dualcred, softEvictConnections() / clear() on the alternatives that read the store.")
    private boolean evict;

    @Option(names = "--duration", defaultValue = "5s", converter = Durations.class, paramLabel = "DURATION",
            description = "Steady load measured before each rotation, the throughput baseline "
                    + "(default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--threads", defaultValue = "16", paramLabel = "N",
            description = "Load threads per contender (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--pool-size", defaultValue = "8", paramLabel = "N",
            description = "Connections per pool (default: ${DEFAULT-VALUE}).")
    private int poolSize;

    @Option(names = "--backend", defaultValue = "both", paramLabel = "postgres|redis|both",
            description = "Which backends to drill (default: ${DEFAULT-VALUE}).")
    private BackendChoice backend;

    @Option(names = "--postgres-url", paramLabel = "URL",
            description = "Drill this PostgreSQL server instead of an embedded one. The user must be allowed to "
                    + "create roles and terminate their sessions. Form: postgresql://USER:PASSWORD@HOST:PORT/DB "
                    + "or a jdbc:postgresql: URL with user and password parameters.")
    private String postgresUrl;

    @Option(names = "--topology", defaultValue = "single", paramLabel = "single|sentinel|cluster",
            description = "Redis only: one server, a Sentinel-managed primary with replicas, or a cluster "
                    + "(default: ${DEFAULT-VALUE}). Embedded: a primary, a replica and three Sentinels, or three "
                    + "primaries with a replica each. The password changes on every data node in turn; the Redis "
                    + "contenders become RedisSentinelClient / JedisSentinelPool or RedisClusterClient / JedisCluster.")
    private TopologyChoice topology;

    @Option(names = "--redis-url", paramLabel = "URL",
            description = "Drill this Redis (6.0 or later) instead of an embedded one. The user must be allowed ACL "
                    + "SETUSER, DELUSER and LOG, and CLIENT LIST and KILL, on every data node. Forms: "
                    + "redis://USER:PASSWORD@HOST:PORT/DB (rediss:// for TLS; redis://:PASSWORD@HOST for the "
                    + "default user); with --topology sentinel, the Sentinels and the primary's name: "
                    + "redis://USER:PASSWORD@SENTINEL:26379,SENTINEL2:26379/MASTER (the same user logs in to the "
                    + "Sentinels unless ?sentinel-user=U&sentinel-password=P name others; sentinel-password= empty "
                    + "for none); with --topology cluster, any nodes: redis://USER:PASSWORD@NODE:6379,NODE2:6379.")
    private String redisUrl;

    @Option(names = "--report", defaultValue = "drill-report.html", paramLabel = "PATH",
            description = "HTML report to write (default: ${DEFAULT-VALUE}).")
    private Path report;

    @Option(names = "--json", defaultValue = "drill-report.json", paramLabel = "PATH",
            description = "JSON summary to write (default: ${DEFAULT-VALUE}).")
    private Path json;

    @Option(names = "--connection-timeout", defaultValue = "2s", converter = Durations.class, paramLabel = "DURATION",
            description = "How long a caller waits for a connection, in every pool (default: ${DEFAULT-VALUE}).")
    private Duration connectionTimeout;

    @Option(names = "--log", paramLabel = "PATH",
            description = "Where the pools' own log goes (default: the report's path with .log).")
    private Path log;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    private final PrintStream out;

    /** A command that prints to standard output. */
    public DrillCommand() {
        this(System.out);
    }

    DrillCommand(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs the drill and exits with its status.
     *
     * @param args the command line; {@code --help} lists the options
     */
    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    /** Runs the drill in this JVM and returns its exit status; what {@code main} and the tests call. */
    static int run(PrintStream out, String... args) {
        CommandLine commandLine = new CommandLine(new DrillCommand(out));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setExecutionExceptionHandler((exception, line, parsed) -> {
            line.getErr().println("dualcred drill: " + exception.getMessage());
            line.getErr().flush();
            return 3;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        Path logFile = log != null ? log : sibling(report, ".log");
        if (System.getProperty("dualcred.drill.log") == null) {
            System.setProperty("dualcred.drill.log", logFile.toAbsolutePath().toString());
        }
        if (System.getProperty(TestServers.PROPERTY) == null) {
            // Asking Docker first is slow and noisy; the embedded binaries run anywhere.
            System.setProperty(TestServers.PROPERTY, "embedded");
        }
        List<Backend> backends = backend == BackendChoice.both ? List.of(Backend.POSTGRES, Backend.REDIS)
                : List.of(backend == BackendChoice.postgres ? Backend.POSTGRES : Backend.REDIS);
        List<Scenario> scenarios = scenario == ScenarioChoice.both ? List.of(Scenario.RUNBOOK, Scenario.GAP)
                : List.of(scenario == ScenarioChoice.runbook ? Scenario.RUNBOOK : Scenario.GAP);
        DrillSettings settings = new DrillSettings(duration, threads, poolSize, connectionTimeout, storeDelay, evict,
                scenarios);
        Progress progress = new Progress(out);
        progress.line("dualcred rotation drill: " + String.join(" and ", backends.stream().map(Backend::key)
                .toList()) + (topology == TopologyChoice.single || backend == BackendChoice.postgres ? ""
                : " (Redis " + topology + ")") + "; scenarios " + String.join(" and ", scenarios.stream().map(Scenario::key).toList())
                + "; " + threads + " threads per contender, pool size " + poolSize + ", store delay "
                + Durations.format(storeDelay) + (evict ? ", --evict" : ", no evictConnections()"));
        Instant started = Instant.now();
        long startedNanos = System.nanoTime();
        List<Results.BackendRun> runs = new ArrayList<>();
        try (Cleanup cleanup = new Cleanup()) {
            Thread hook = new Thread(cleanup::close, "drill-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                List<ServerTarget> targets = targets(backends, progress, cleanup);
                for (ServerTarget target : targets) {
                    progress.line(target.backend().key() + ": " + target.description());
                    List<Results.ScenarioRun> scenarioRuns = new ArrayList<>();
                    for (Scenario chosen : scenarios) {
                        scenarioRuns.add(new ScenarioDrill(target, settings, chosen, progress, cleanup).run());
                    }
                    runs.add(new Results.BackendRun(target.backend(), target.description(), target.topology(),
                            List.copyOf(scenarioRuns), noise(scenarioRuns)));
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs the cleanup
                }
            }
        }
        Results.Drill drill = new Results.Drill(new Results.Run(started, duration.toMillis() / 1000.0, threads,
                poolSize, connectionTimeout.toMillis(), storeDelay.toMillis(), evict,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version", System.getProperty("java.version")),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                DrillSettings.SLICE.toMillis()), List.copyOf(runs));
        write(report, HtmlReport.render(drill));
        write(json, JsonReport.render(drill));
        ConsoleReport.print(drill, out);
        out.printf(java.util.Locale.ROOT, "drill took %.0f s%n", (System.nanoTime() - startedNanos) / 1e9);
        out.println("report: " + report.toAbsolutePath());
        out.println("json:   " + json.toAbsolutePath());
        Path logged = Path.of(System.getProperty("dualcred.drill.log")).toAbsolutePath();
        if (Files.exists(logged)) {
            out.println("log:    " + logged);
        }
        out.flush();
        return drill.passed() ? 0 : 1;
    }

    private void validate() {
        CommandLine.ParameterException problem = null;
        CommandLine line = new CommandLine(this);
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            problem = new CommandLine.ParameterException(line, "--duration must be at least 1s");
        } else if (storeDelay.isNegative() || storeDelay.compareTo(Duration.ofMinutes(5)) > 0) {
            problem = new CommandLine.ParameterException(line, "--store-delay must be between 0s and 5m");
        } else if (threads < 1 || threads > 1024) {
            problem = new CommandLine.ParameterException(line, "--threads must be between 1 and 1024");
        } else if (poolSize < 1 || poolSize > 200) {
            problem = new CommandLine.ParameterException(line, "--pool-size must be between 1 and 200");
        } else if (connectionTimeout.compareTo(Duration.ofMillis(250)) < 0) {
            problem = new CommandLine.ParameterException(line, "--connection-timeout must be at least 250ms");
        } else if (topology != TopologyChoice.single && backend == BackendChoice.postgres) {
            problem = new CommandLine.ParameterException(line, "--topology " + topology + " is for Redis; add "
                    + "--backend redis (or both)");
        }
        if (problem != null) {
            throw problem;
        }
    }

    /** Connects to the named servers, or starts embedded ones (in parallel) for the backends without a URL. */
    private List<ServerTarget> targets(List<Backend> backends, Progress progress, Cleanup cleanup) {
        boolean wantsPostgres = backends.contains(Backend.POSTGRES);
        boolean wantsRedis = backends.contains(Backend.REDIS);
        // Parse first, so that a typo fails before anything starts.
        PostgresTarget.AdminUrl pgUrl = wantsPostgres && postgresUrl != null ? PostgresTarget.parseUrl(postgresUrl)
                : null;
        RedisTarget.Topology redisTopology = RedisTarget.Topology.valueOf(topology.name().toUpperCase(
                java.util.Locale.ROOT));
        RedisTarget.AdminUrl redisAdminUrl = wantsRedis && redisUrl != null
                ? RedisTarget.parseUrl(redisUrl, redisTopology) : null;
        List<String> embedded = new ArrayList<>();
        if (wantsPostgres && pgUrl == null) {
            embedded.add("PostgreSQL");
        }
        if (wantsRedis && redisAdminUrl == null) {
            embedded.add(switch (redisTopology) {
                case SINGLE -> "Redis";
                case SENTINEL -> "Redis (primary, replica, three Sentinels)";
                case CLUSTER -> "Redis Cluster (three primaries, three replicas)";
            });
        }
        if (!embedded.isEmpty()) {
            progress.line("starting embedded " + String.join(" and ", embedded) + " ...");
        }
        CompletableFuture<ServerTarget> postgres = !wantsPostgres ? null : CompletableFuture.supplyAsync(() -> {
            if (pgUrl != null) {
                return new PostgresTarget(pgUrl, "given server", null);
            }
            PostgresServer server = PostgresServer.startNew();
            cleanup.add("stop the embedded PostgreSQL server", server::close);
            return new PostgresTarget(new PostgresTarget.AdminUrl(server.jdbcUrl(), server.superuser(),
                    server.superuserPassword(), server.host() + ":" + server.port() + "/" + server.database()),
                    "embedded", server::authenticationFailures);
        });
        CompletableFuture<ServerTarget> redis = !wantsRedis ? null : CompletableFuture.supplyAsync(() -> {
            if (redisAdminUrl != null) {
                return new RedisTarget(redisAdminUrl, "given server");
            }
            return embeddedRedis(redisTopology, cleanup);
        });
        List<ServerTarget> targets = new ArrayList<>();
        List<CompletableFuture<ServerTarget>> starting = new ArrayList<>();
        if (postgres != null) {
            starting.add(postgres);
        }
        if (redis != null) {
            starting.add(redis);
        }
        for (CompletableFuture<ServerTarget> future : starting) {
            try {
                ServerTarget target = future.join();
                cleanup.add("close the admin connection", target::close);
                targets.add(target);
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
            }
        }
        return targets;
    }

    private static RedisTarget embeddedRedis(RedisTarget.Topology shape, Cleanup cleanup) {
        switch (shape) {
            case SENTINEL -> {
                RedisSentinelTopology topology = RedisSentinelTopology.startNew();
                cleanup.add("stop the embedded Redis Sentinel topology", topology::close);
                List<HostAndPort> sentinels = topology.sentinelAddresses();
                return new RedisTarget(new RedisTarget.AdminUrl(RedisTarget.Topology.SENTINEL, sentinels, 0, false,
                        RedisServer.ADMIN_USER, topology.adminPassword(), RedisSentinelTopology.MASTER_NAME,
                        RedisServer.ADMIN_USER, topology.adminPassword(), "Sentinels "
                        + String.join(",", sentinels.stream().map(HostAndPort::toString).toList()) + ", primary "
                        + RedisSentinelTopology.MASTER_NAME), "embedded");
            }
            case CLUSTER -> {
                RedisClusterTopology topology = RedisClusterTopology.startNew();
                cleanup.add("stop the embedded Redis Cluster", topology::close);
                List<HostAndPort> nodes = topology.addresses();
                return new RedisTarget(new RedisTarget.AdminUrl(RedisTarget.Topology.CLUSTER, nodes, 0, false,
                        RedisServer.ADMIN_USER, topology.adminPassword(), null, null, null, "cluster via "
                        + nodes.get(0)), "embedded");
            }
            default -> {
                RedisServer server = RedisServer.startNew();
                cleanup.add("stop the embedded Redis server", server::close);
                return new RedisTarget(new RedisTarget.AdminUrl(server.host(), server.port(), 0, false,
                        RedisServer.ADMIN_USER, server.adminPassword(), server.host() + ":" + server.port()),
                        "embedded");
            }
        }
    }

    /** @return fixed-2's successful ops/s before the rotations divided by fixed's, over every scenario */
    private static double noise(List<Results.ScenarioRun> runs) {
        double fixed = 0;
        double fixed2 = 0;
        for (Results.ScenarioRun run : runs) {
            fixed += run.get(Contender.FIXED).windows().get(Window.BEFORE).okPerSecond();
            fixed2 += run.get(Contender.FIXED_2).windows().get(Window.BEFORE).okPerSecond();
        }
        return fixed2 / fixed;
    }

    private static Path sibling(Path path, String extension) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return path.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + extension);
    }

    private static void write(Path path, String content) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(path, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
