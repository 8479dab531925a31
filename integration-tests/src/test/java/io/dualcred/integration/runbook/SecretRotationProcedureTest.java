package io.dualcred.integration.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.integration.runbook.RunbookOperator.Procedure;
import io.dualcred.integration.runbook.RunbookOperator.RedisTarget;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.SqlQuoting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * Executes {@code docs/SECRET_ROTATION_PROCEDURE.md}: every SQL and Redis block, in document order, against real
 * servers, while two dualcred instances per procedure serve load from several threads. The test plays the operator:
 * it stages, promotes and unstages secrets in Kubernetes-style secret volumes, reads and invokes the rotation MBeans,
 * keeps one client that does not use dualcred connected with the old password, and rolls back once per procedure.
 * Each procedure must end with no failed operation and with every check showing what the runbook says it shows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretRotationProcedureTest {

    /**
     * Every procedure of the runbook, each run to its end by one test below, except the fleet checks of section 9.1,
     * which {@link FleetVerifiedFromTheServerTest} runs against ten pools per server.
     */
    static final List<String> PROCEDURES = List.of("preflight-pg", "preflight-redis", "pg-single",
            "pg-single-rollback", "pg-alternating", "pg-alternating-rollback", "redis-acl", "redis-acl-rollback",
            "redis-requirepass", "diag", "fleet-verify-pg", "fleet-verify-redis");

    /** Everything the runbook's quoting must survive: quotes, space, backslash, $, %, @, :, non-ASCII. */
    static final String NASTY = "it's a \"p@ss\" \\ $x %y :z ☃";

    private static final Logger LOG = LoggerFactory.getLogger(SecretRotationProcedureTest.class);
    private static final int LOAD_THREADS = 3;
    private static final long PROGRESS = 30;
    private static final String STRAGGLER = "dualcred-test"; // the application_name PostgresServer.connect sets
    private static final DateTimeFormatter POSTGRES_TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendPattern("X")
            .toFormatter(Locale.ROOT);

    private static final Runbook RUNBOOK = Runbook.load();
    private static final String RUN = Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000), 16);

    private static PostgresServer postgres;
    private static RedisServer primary;
    private static RedisServer replica;

    @BeforeAll
    static void startServers() {
        postgres = PostgresServer.shared();
        primary = RedisServer.startNew();
        replica = RedisServer.startNew();
        // The replica follows the primary at the address the primary itself listens on (laddr), which the replica
        // can reach whether both run as local processes or as containers.
        String info = (String) primary.execute("CLIENT", "INFO");
        String address = field(info, "laddr");
        int colon = address.lastIndexOf(':');
        replica.execute("REPLICAOF", address.substring(0, colon), address.substring(colon + 1));
        awaitReplicationUp();
    }

    @AfterAll
    static void stopServers() {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    // ---- Sections 3.2 and 4, and the single-role rollback of section 8 ----------------------------------------

    @Test
    @Order(1)
    void postgresSingleRoleRotationUnderLoad() throws Exception {
        String role = "Orders \"svc\" ☃ " + RUN;
        String current = NASTY + " current";
        String next = NASTY + " next";
        postgres.createLoginRole(role, current);

        try (Fleet fleet = Fleet.postgres(postgres, "pg-single-" + RUN, 2, role, current, "SELECT 1");
             Load load = Load.start("pg-single", LOAD_THREADS, fleet);
             Connection straggler = postgres.connect(role, current);
             RunbookOperator operator = new RunbookOperator(RUNBOOK, SecretRotationProcedureTest::psql)) {
            operator.variables.put("app_role", role);
            load.awaitProgress(PROGRESS);

            // 3.2: the server lists every instance, and the client that does not use dualcred
            Procedure preflight = operator.procedure("preflight-pg");
            List<Map<String, String>> clients = preflight.sql("clients");
            assertThat(clients).extracting(row -> row.get("usename")).containsOnly(role);
            assertThat(clients).extracting(row -> withoutTag(row.get("application_name")))
                    .containsAll(fleet.pools()).contains(STRAGGLER);
            preflight.finish();
            // 3.3
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            fleet.assertEverywhere("NextStaged", value -> assertThat(value).isEqualTo(false));
            fleet.assertEverywhere("BackingOff", value -> assertThat(value).isEqualTo(false));

            Procedure single = operator.procedure("pg-single");
            // Step 1
            fleet.stage(null, next);
            fleet.awaitEverywhere("NextStaged", true);
            // Step 2
            single.sql("save-verifier");
            assertThat(operator.variables.get("old_verifier")).startsWith("SCRAM-SHA-256$");
            // Step 3, with a verifier computed here (section 3.7) so that the plaintext never reaches the server
            operator.variables.put("next_password", PasswordUtil.encodeScramSha256(next.toCharArray()));
            long loggedFailures = postgres.authenticationFailures(role);
            Map<String, Long> rejected = fleet.counters("RejectedLogins");
            single.sql("change-password");
            single.sql("record-switch-time");
            Instant switchTime = postgresTime(operator.variables.get("switch_time"));
            // Step 4
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            fleet.assertEverywhere("ActiveUsername", value -> assertThat(value).isEqualTo(role));
            fleet.assertEverywhere("BackingOff", value -> assertThat(value).isEqualTo(false));
            fleet.assertEverywhere("LastSwitchTime",
                    value -> assertThat(Instant.parse((String) value)).isAfter(switchTime));
            assertThat(fleet.counters("RejectedLogins")).allSatisfy((pool, count) ->
                    assertThat(count).as(pool + " RejectedLogins").isEqualTo(rejected.get(pool) + 1));
            awaitServerLog("'password authentication failed' lines",
                    () -> postgres.authenticationFailures(role) - loggedFailures, fleet.size());
            assertOnlyStragglerIsOld(single.sql("old-sessions"), single);
            load.awaitProgress(PROGRESS);

            // Section 8: roll back after the server change, then go forward again
            Procedure rollback = operator.procedure("pg-single-rollback");
            rollback.sql("restore-verifier");
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            fleet.assertEverywhere("LastSwitchReason",
                    value -> assertThat((String) value).contains("NEXT " + role + " rejected"));
            assertThat(straggler.isValid(5)).as("the session opened with the old password still works").isTrue();
            load.awaitProgress(PROGRESS);
            rollback.finish();
            single.sqlAgain("change-password");
            single.sqlAgain("record-switch-time");
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            load.awaitProgress(PROGRESS);

            // Step 5
            fleet.promote();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            fleet.awaitEverywhere("NextStaged", false);
            // Step 6
            assertOnlyStragglerIsOld(single.sqlAgain("old-sessions"), single);
            List<Map<String, String>> terminated = single.sql("terminate-old-sessions");
            assertThat(terminated).singleElement().satisfies(row -> {
                assertThat(row.get("application_name")).isEqualTo(STRAGGLER);
                assertThat(row.get("terminated")).isEqualTo("t");
            });
            awaitResult("no session is older than the switch", single.sqlAgain("old-sessions"),
                    () -> single.sqlAgain("old-sessions"), List::isEmpty);
            assertThat(straggler.isValid(5)).as("the terminated session").isFalse();
            single.finish();
            load.awaitProgress(PROGRESS);
            finish(load);
        }
    }

    /** Step 4 of section 4: what is older than the switch is the straggler alone, once the pools have evicted. */
    private static void assertOnlyStragglerIsOld(List<Map<String, String>> firstLook, Procedure single) {
        awaitResult("only the straggler's session is older than the switch", firstLook,
                () -> single.sqlAgain("old-sessions"),
                rows -> rows.size() == 1 && STRAGGLER.equals(rows.get(0).get("application_name")));
    }

    // ---- Section 5, and the alternating-roles rollback of section 8 --------------------------------------------

    @Test
    @Order(2)
    void postgresAlternatingRolesRotationUnderLoad() throws Exception {
        String group = "Orders owner ☃ " + RUN;
        String blue = "Orders blue \"☃\" " + RUN;
        String green = "Orders green $☃ " + RUN;
        String schema = "orders_" + RUN;
        String current = NASTY + " blue";
        String next = NASTY + " green";
        // The state before the one-time setup: the application's role owns its schema and tables.
        postgres.createLoginRole(blue, current);
        postgres.execute("CREATE SCHEMA " + SqlQuoting.identifier(schema) + " AUTHORIZATION "
                + SqlQuoting.identifier(blue));
        postgres.execute("CREATE TABLE " + SqlQuoting.identifier(schema) + ".accounts (id int); ALTER TABLE "
                + SqlQuoting.identifier(schema) + ".accounts OWNER TO " + SqlQuoting.identifier(blue));

        try (RunbookOperator operator = new RunbookOperator(RUNBOOK, SecretRotationProcedureTest::psql)) {
            operator.variables.putAll(Map.of("app_role", blue, "second_role", green, "group_role", group));
            Procedure alternating = operator.procedure("pg-alternating");
            // 5.1
            alternating.sql("setup");
            assertThat(alternating.sql("check-ownership")).as("objects owned by a login role").isEmpty();

            String events = SqlQuoting.identifier(schema) + ".events";
            try (Fleet fleet = Fleet.postgres(postgres, "pg-alternating-" + RUN, 2, blue, current,
                    "INSERT INTO " + events + " DEFAULT VALUES")) {
                // A migration run by the application after the setup creates objects owned by the group role.
                try (Connection migration = postgres.connect(blue, current);
                     Statement sql = migration.createStatement()) {
                    sql.execute("CREATE TABLE " + events + " (id bigserial PRIMARY KEY, login name NOT NULL DEFAULT "
                            + "session_user, at timestamptz NOT NULL DEFAULT now())");
                }
                assertThat(alternating.sqlAgain("check-ownership")).as("objects owned by a login role").isEmpty();

                try (Load load = Load.start("pg-alternating", LOAD_THREADS, fleet);
                     Connection straggler = postgres.connect(blue, current)) {
                    load.awaitProgress(PROGRESS);
                    operator.variables.putAll(Map.of("old_role", blue, "new_role", green, "next_password", next));
                    // 5.2 step 1
                    alternating.sql("enable-new-role");
                    // Step 2
                    fleet.stage(green, next);
                    fleet.awaitEverywhere("NextStaged", true);
                    try (Connection probe = postgres.connect(green, next);
                         Statement sql = probe.createStatement();
                         ResultSet who = sql.executeQuery("SELECT session_user, current_user")) {
                        who.next();
                        assertThat(who.getString(1)).isEqualTo(green);
                        assertThat(who.getString(2)).as("the role a session acts as").isEqualTo(group);
                    }
                    // Step 3
                    long notPermitted = notPermittedToLogIn(blue);
                    alternating.sql("disable-old-role");
                    // Step 4
                    fleet.evictConnections();
                    fleet.awaitEverywhere("ActiveUsername", green);
                    fleet.awaitEverywhere("ActiveSlot", "NEXT");
                    awaitServerLog("'not permitted to log in' lines",
                            () -> notPermittedToLogIn(blue) - notPermitted, fleet.size());
                    awaitSessions(alternating, alternating.sql("sessions-by-role"),
                            Map.of(blue, 1L), green);
                    load.awaitProgress(PROGRESS);

                    // Section 8: let the old role in again; the instances fall back to it
                    Procedure rollback = operator.procedure("pg-alternating-rollback");
                    rollback.sql("reenable-old-role");
                    fleet.evictConnections();
                    fleet.awaitEverywhere("ActiveUsername", blue);
                    fleet.awaitEverywhere("ActiveSlot", "CURRENT");
                    load.awaitProgress(PROGRESS);
                    rollback.finish();
                    alternating.sqlAgain("enable-new-role");
                    alternating.sqlAgain("disable-old-role");
                    fleet.evictConnections();
                    fleet.awaitEverywhere("ActiveUsername", green);
                    load.awaitProgress(PROGRESS);

                    // Step 5
                    fleet.promote();
                    fleet.awaitEverywhere("ActiveSlot", "CURRENT");
                    fleet.awaitEverywhere("NextStaged", false);
                    fleet.assertEverywhere("ActiveUsername", value -> assertThat(value).isEqualTo(green));
                    // Step 6
                    awaitSessions(alternating, alternating.sqlAgain("sessions-by-role"), Map.of(blue, 1L), green);
                    assertThat(alternating.sql("terminate-old-role")).singleElement().satisfies(row -> {
                        assertThat(row.get("application_name")).isEqualTo(STRAGGLER);
                        assertThat(row.get("terminated")).isEqualTo("t");
                    });
                    // Step 7
                    alternating.sql("clear-old-password");
                    awaitSessions(alternating, alternating.sqlAgain("sessions-by-role"), Map.of(), green);
                    assertThat(straggler.isValid(5)).as("the old role's terminated session").isFalse();
                    load.awaitProgress(PROGRESS);
                    alternating.finish();
                    finish(load);
                }
                // Both login roles wrote through the group role's privileges.
                assertThat(postgres.query("SELECT DISTINCT login::text AS login FROM " + events))
                        .extracting(row -> row.get("login")).containsExactlyInAnyOrder(blue, green);
            }
        }
    }

    /**
     * Waits until {@code sessions-by-role} shows the {@code expected} session counts for the old role (none: no
     * row) and at least one session of {@code newRole}.
     */
    private static void awaitSessions(Procedure alternating, List<Map<String, String>> firstLook,
                                      Map<String, Long> expected, String newRole) {
        awaitResult("sessions by role are " + expected + " and some of " + newRole, firstLook,
                () -> alternating.sqlAgain("sessions-by-role"), rows -> sessionsAre(rows, expected, newRole));
    }

    private static boolean sessionsAre(List<Map<String, String>> rows, Map<String, Long> expected, String newRole) {
        Map<String, Long> counts = new HashMap<>();
        rows.forEach(row -> counts.put(row.get("usename"), Long.parseLong(row.get("sessions"))));
        Long fresh = counts.remove(newRole);
        return fresh != null && fresh > 0 && counts.equals(expected);
    }

    /** Server logs may reach a container's log a little after the client saw the error: wait, then insist. */
    private static void awaitServerLog(String what, LongSupplier count, long expected) {
        awaitResult(what + " in the server log: one per pool", count.getAsLong(), count::getAsLong,
                lines -> lines >= expected);
        assertThat(count.getAsLong()).as(what + " in the server log").isEqualTo(expected);
    }

    private static long notPermittedToLogIn(String role) {
        String needle = "role \"" + role + "\" is not permitted to log in";
        return postgres.serverLog().lines().filter(line -> line.endsWith(needle)).count();
    }

    // ---- Sections 3.2 and 6, and the ACL rollbacks of section 8 ------------------------------------------------

    @Test
    @Order(3)
    void redisAclRotationUnderLoad() throws Exception {
        String user = "orders:app@☃-" + RUN;
        String current = NASTY + " acl current";
        String next = NASTY + " acl next";
        primary.setUser(user, current);
        replica.setUser(user, current);
        RedisTarget onPrimary = RedisTarget.of("primary", primary::execute);
        RedisTarget onReplica = RedisTarget.of("replica", replica::execute);

        try (Fleet fleet = Fleet.redis(primary, "acl-" + RUN, user, current);
             Load load = Load.start("redis-acl", LOAD_THREADS, fleet);
             Jedis straggler = connect(primary, user, current, "legacy-cron");
             RunbookOperator operator = new RunbookOperator(RUNBOOK, SecretRotationProcedureTest::psql)) {
            operator.variables.putAll(Map.of("redis_user", user, "current_password", current,
                    "next_password", next));
            assertThat(straggler.ping()).isEqualTo("PONG");
            load.awaitProgress(PROGRESS);

            // 3.2
            Procedure preflight = operator.procedure("preflight-redis");
            List<Map<String, String>> clients = clientList(preflight.redis("clients", onPrimary).get(0).get(0));
            assertThat(clients).filteredOn(client -> user.equals(client.get("user")))
                    .extracting(client -> withoutTag(client.get("name")))
                    .containsAll(fleet.pools()).contains("legacy-cron");
            preflight.finish();

            Procedure acl = operator.procedure("redis-acl");
            Procedure rollback = operator.procedure("redis-acl-rollback");
            // Step 1, every server
            acl.redis("add-next", onPrimary, onReplica);
            // Step 2
            assertThat(acl.redis("check-passwords", onPrimary, onReplica))
                    .allSatisfy(replies -> assertThat(passwordHashes(replies.get(0)))
                            .containsExactlyInAnyOrder(sha256(current), sha256(next)));
            // Section 8, before step 4: drop NEXT again, then add it back
            rollback.redis("drop-next", onPrimary, onReplica);
            assertThat(acl.redisAgain("check-passwords", onPrimary, onReplica))
                    .allSatisfy(replies -> assertThat(passwordHashes(replies.get(0)))
                            .containsExactly(sha256(current)));
            acl.redisAgain("add-next", onPrimary, onReplica);
            // Step 3
            fleet.stage(null, next);
            fleet.awaitEverywhere("NextStaged", true);
            assertThat(authFailures(acl.redis("acl-log", onPrimary).get(0).get(0), user)).isZero();
            // Section 6 step 5 tells old connections by their age: let the straggler be clearly older.
            await("the straggler to be 2 s old").atMost(Fleet.PATIENCE)
                    .until(() -> ageOf(primary, "legacy-cron") >= 2);
            // Step 4
            long logged = primary.authenticationFailures(user);
            acl.redis("remove-current", onPrimary, onReplica);
            Instant removed = Instant.now();
            // Step 5
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            // One rejected login per pool: logins with one credential run one at a time, the others wait for it.
            assertThat(primary.authenticationFailures(user) - logged).as("ACL LOG auth failures")
                    .isEqualTo(fleet.size());
            assertThat(authFailures(acl.redisAgain("acl-log", onPrimary).get(0).get(0), user))
                    .isEqualTo(fleet.size());
            long stragglerId = awaitOnlyOldConnection(acl, onPrimary, user, removed, "legacy-cron");
            operator.variables.put("client_id", Long.toString(stragglerId));
            assertThat(acl.redis("kill-client", onPrimary).get(0)).containsExactly(1L);
            assertThatThrownBy(straggler::ping).as("the killed connection").isInstanceOf(RuntimeException.class);
            load.awaitProgress(PROGRESS);

            // Section 8, after step 4: CURRENT back, NEXT out; the instances fall back
            rollback.redis("restore-current", onPrimary, onReplica);
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            load.awaitProgress(PROGRESS);
            rollback.finish();
            acl.redisAgain("add-next", onPrimary, onReplica);
            acl.redisAgain("remove-current", onPrimary, onReplica);
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            load.awaitProgress(PROGRESS);

            // Step 6, every server
            assertThat(acl.redis("acl-storage", onPrimary, onReplica)).allSatisfy(replies ->
                    assertThat(pairs(replies.get(0)).get("aclfile")).as("aclfile").isNotEmpty());
            assertThat(acl.redis("save-aclfile", onPrimary, onReplica)).allSatisfy(replies ->
                    assertThat(replies).containsExactly("OK"));
            assertThat(acl.redis("rewrite-config", onPrimary, onReplica)).allSatisfy(replies ->
                    assertThat(replies).containsExactly("OK"));
            assertThat(acl.redisAgain("check-passwords", onPrimary, onReplica))
                    .allSatisfy(replies -> assertThat(passwordHashes(replies.get(0)))
                            .containsExactly(sha256(next)));
            // Step 7
            fleet.promote();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            fleet.awaitEverywhere("NextStaged", false);
            acl.finish();
            load.awaitProgress(PROGRESS);
            finish(load);
        }
    }

    /**
     * Section 6 step 5: waits until the connections of {@code user} older than the time since the removal (Redis
     * counts ages in whole seconds, so the elapsed time is rounded up) are the one named {@code name}.
     *
     * @return that connection's id
     */
    private static long awaitOnlyOldConnection(Procedure acl, RedisTarget server, String user, Instant removed,
                                               String name) {
        Supplier<List<Map<String, String>>> oldConnections = new Supplier<>() {
            private boolean first = true;

            @Override
            public List<Map<String, String>> get() {
                Object reply = (first ? acl.redis("client-list", server) : acl.redisAgain("client-list", server))
                        .get(0).get(0);
                first = false;
                long elapsed = (Duration.between(removed, Instant.now()).toMillis() + 999) / 1000;
                return clientList(reply).stream()
                        .filter(client -> user.equals(client.get("user")))
                        .filter(client -> Long.parseLong(client.get("age")) > elapsed)
                        .toList();
            }
        };
        List<Map<String, String>> old = awaitResult("the only connection of " + user + " older than the removal "
                + "is " + name, oldConnections.get(), oldConnections,
                connections -> connections.size() == 1 && name.equals(connections.get(0).get("name")));
        return Long.parseLong(old.get(0).get("id"));
    }

    // ---- Section 7, with its rollback (section 8) --------------------------------------------------------------

    @Test
    @Order(4)
    void redisRequirepassRotationUnderLoad() throws Exception {
        String current = NASTY + " requirepass current";
        String next = NASTY + " requirepass next";
        String masterName = "orders-cache";
        primary.setRequirePass(current);
        replica.setRequirePass(current);
        replica.execute("CONFIG", "SET", "masterauth", current);
        RedisTarget onPrimary = RedisTarget.of("primary", primary::execute);
        RedisTarget onReplica = RedisTarget.of("replica", replica::execute);

        try (SentinelProcess sentinel = SentinelProcess.start(masterName, primary.host(), primary.port(), current);
             Fleet fleet = Fleet.redis(primary, "requirepass-" + RUN, "default", current);
             Load load = Load.start("redis-requirepass", LOAD_THREADS, fleet);
             RunbookOperator operator = new RunbookOperator(RUNBOOK, SecretRotationProcedureTest::psql)) {
            RedisTarget onSentinel = RedisTarget.of("sentinel", sentinel::execute);
            await("the Sentinel to see the primary").atMost(Fleet.PATIENCE)
                    .until(() -> "master".equals(sentinelMaster(sentinel, masterName).get("flags")));
            operator.variables.putAll(Map.of("master_name", masterName, "next_password", next));
            load.awaitProgress(PROGRESS);

            Procedure requirepass = operator.procedure("redis-requirepass");
            // Step 1
            fleet.stage(null, next);
            fleet.awaitEverywhere("NextStaged", true);
            long logged = primary.authenticationFailures("default");
            // Steps 2 to 5
            requirepass.redis("replica-masterauth", onReplica);
            requirepass.redis("primary-requirepass", onPrimary);
            requirepass.redis("replica-requirepass", onReplica);
            requirepass.redis("sentinel-auth-pass", onSentinel);
            // Step 6
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            assertThat(primary.authenticationFailures("default") - logged).as("ACL LOG auth failures for default")
                    .isEqualTo(fleet.size());
            load.awaitProgress(PROGRESS);

            // Section 8: steps 2 to 5 again with the old password; the instances fall back to CURRENT
            operator.variables.put("next_password", current);
            runSteps2To5(requirepass, onPrimary, onReplica, onSentinel);
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            load.awaitProgress(PROGRESS);
            operator.variables.put("next_password", next);
            runSteps2To5(requirepass, onPrimary, onReplica, onSentinel);
            fleet.evictConnections();
            fleet.awaitEverywhere("ActiveSlot", "NEXT");
            load.awaitProgress(PROGRESS);

            // Step 7: the replica logs in again with the new masterauth
            assertThat(requirepass.redis("replica-reconnect", onReplica).get(0)).containsExactly(1L);
            awaitResult("the replica's link to its primary is up again",
                    requirepass.redis("replica-status", onReplica).get(0).get(0),
                    () -> requirepass.redisAgain("replica-status", onReplica).get(0).get(0),
                    info -> field(info, "master_link_status").equals("up"));
            // Step 8: close the Sentinel's connections; it must log in again with the new auth-pass
            List<Long> sentinelLinks = clientList(requirepass.redis("primary-clients", onPrimary).get(0).get(0))
                    .stream().filter(client -> client.get("name").startsWith("sentinel-"))
                    .map(client -> Long.parseLong(client.get("id"))).toList();
            assertThat(sentinelLinks).as("the Sentinel's connections to the primary").isNotEmpty();
            Instant killed = Instant.now();
            for (int i = 0; i < sentinelLinks.size(); i++) {
                operator.variables.put("client_id", Long.toString(sentinelLinks.get(i)));
                List<List<Object>> reply = i == 0 ? requirepass.redis("kill-sentinel-link", onPrimary)
                        : requirepass.redisAgain("kill-sentinel-link", onPrimary);
                assertThat(reply.get(0)).containsExactly(1L);
            }
            // A good PING reply newer than the kill: last-ok-ping-reply below the time elapsed since, measured first.
            Supplier<Map.Entry<Long, Map<String, String>>> look = () -> {
                long sinceKill = Duration.between(killed, Instant.now()).toMillis();
                return Map.entry(sinceKill,
                        pairs(requirepass.redisAgain("sentinel-master", onSentinel).get(0).get(0)));
            };
            long sinceKill = Duration.between(killed, Instant.now()).toMillis();
            awaitResult("the Sentinel logged in again and its primary answers",
                    Map.entry(sinceKill, pairs(requirepass.redis("sentinel-master", onSentinel).get(0).get(0))),
                    look, seen -> "master".equals(seen.getValue().get("flags"))
                            && Long.parseLong(seen.getValue().get("last-ok-ping-reply")) < seen.getKey());
            // Step 9, every server
            assertThat(requirepass.redis("rewrite-config", onPrimary, onReplica)).allSatisfy(replies ->
                    assertThat(replies).containsExactly("OK"));
            assertThat(requirepass.redis("save-aclfile", onPrimary, onReplica)).allSatisfy(replies ->
                    assertThat(replies).containsExactly("OK"));
            // Step 10
            fleet.promote();
            fleet.awaitEverywhere("ActiveSlot", "CURRENT");
            fleet.awaitEverywhere("NextStaged", false);
            requirepass.finish();
            load.awaitProgress(PROGRESS);
            finish(load);
            assertThat(field(replica.execute("INFO", "replication"), "master_link_status")).isEqualTo("up");
        }
    }

    private static void runSteps2To5(Procedure requirepass, RedisTarget primaryServer, RedisTarget replicaServer,
                                     RedisTarget sentinel) {
        requirepass.redisAgain("replica-masterauth", replicaServer);
        requirepass.redisAgain("primary-requirepass", primaryServer);
        requirepass.redisAgain("replica-requirepass", replicaServer);
        requirepass.redisAgain("sentinel-auth-pass", sentinel);
    }

    // ---- Section 11 ------------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void diagnosticQueriesShowWhatTheTroubleshootingSectionSays() {
        String role = "diag ☃ \"" + RUN + "\"";
        postgres.createLoginRole(role, NASTY);
        try (RunbookOperator operator = new RunbookOperator(RUNBOOK, SecretRotationProcedureTest::psql)) {
            operator.variables.put("app_role", role);
            Procedure diag = operator.procedure("diag");
            List<Map<String, String>> rules = diag.sql("pg-hba-rules");
            assertThat(rules).isNotEmpty().allSatisfy(rule -> assertThat(rule.get("error")).isNull());
            assertThat(rules).extracting(rule -> rule.get("auth_method")).contains("scram-sha-256");
            assertThat(diag.sql("pg-role-state")).singleElement().satisfies(row -> {
                assertThat(row.get("rolcanlogin")).isEqualTo("t");
                assertThat(row.get("rolvaliduntil")).isNull();
                assertThat(row.get("rolconnlimit")).isEqualTo("-1");
            });
            diag.finish();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /**
     * Runs a runbook check again until its result is {@code done}, starting from the result of its first, ordered
     * run; fails with the last result.
     */
    private static <T> T awaitResult(String what, T first, Supplier<T> again, Predicate<T> done) {
        if (done.test(first)) {
            return first;
        }
        AtomicReference<T> last = new AtomicReference<>(first);
        try {
            await(what).atMost(Fleet.PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
                T result = again.get();
                last.set(result);
                return done.test(result);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ", but the last result was " + last.get(), e);
        }
        return last.get();
    }

    static void finish(Load load) {
        load.stop();
        LOG.info("{}", load);
        assertThat(load.failures()).as(load + "; failures").isEmpty();
        assertThat(load.failed()).as("failed operations").isZero();
        assertThat(load.slowest()).as("slowest operation (the pools' connectionTimeout is 10 s)")
                .isLessThan(Duration.ofSeconds(5));
    }

    private static Connection psql() {
        try {
            return postgres.connect(postgres.superuser(), postgres.superuserPassword());
        } catch (SQLException e) {
            throw new IllegalStateException("the operator cannot log in: " + e.getMessage(), e);
        }
    }

    private static Instant postgresTime(String text) {
        return OffsetDateTime.parse(text, POSTGRES_TIMESTAMP).toInstant();
    }

    private static Jedis connect(RedisServer server, String user, String password, String name) {
        return new Jedis(new HostAndPort(server.host(), server.port()), DefaultJedisClientConfig.builder()
                .user(user)
                .password(password)
                .clientName(name)
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .build());
    }

    private static long ageOf(RedisServer server, String name) {
        return server.clients().stream().filter(client -> name.equals(client.name()))
                .mapToLong(RedisServer.ClientInfo::ageSeconds).max().orElse(-1);
    }

    /** @return a session name without the {@code [dualcred:...]} tag a dualcred pool appends to it */
    static String withoutTag(String name) {
        return name.replaceFirst(" ?\\[dualcred:[^]]*]$", "");
    }

    /** {@code CLIENT LIST} as one map of fields per connection. */
    static List<Map<String, String>> clientList(Object reply) {
        List<Map<String, String>> clients = new ArrayList<>();
        for (String line : ((String) reply).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> fields = new HashMap<>();
            for (String field : line.strip().split(" ")) {
                int equals = field.indexOf('=');
                if (equals > 0) {
                    fields.put(field.substring(0, equals), field.substring(equals + 1));
                }
            }
            clients.add(fields);
        }
        return clients;
    }

    /** {@code ACL GETUSER}: the {@code passwords} entry. */
    private static List<String> passwordHashes(Object reply) {
        Object passwords = pairsOf(reply).get("passwords");
        return ((List<?>) passwords).stream().map(String::valueOf).toList();
    }

    /** {@code ACL LOG}: the summed {@code count} of {@code auth} entries for the user. */
    static long authFailures(Object reply, String user) {
        long failures = 0;
        for (Object entry : (List<?>) reply) {
            Map<String, Object> fields = pairsOf(entry);
            if ("auth".equals(fields.get("reason")) && user.equals(fields.get("username"))) {
                failures += (Long) fields.get("count");
            }
        }
        return failures;
    }

    private static Map<String, String> sentinelMaster(SentinelProcess sentinel, String name) {
        return pairs(sentinel.execute("SENTINEL", "MASTER", name));
    }

    static Map<String, String> pairs(Object reply) {
        Map<String, String> map = new HashMap<>();
        pairsOf(reply).forEach((key, value) -> map.put(key, String.valueOf(value)));
        return map;
    }

    private static Map<String, Object> pairsOf(Object reply) {
        List<?> list = (List<?>) reply;
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            map.put(String.valueOf(list.get(i)), list.get(i + 1));
        }
        return map;
    }

    /** A {@code name=value} or {@code name:value} field of a {@code CLIENT INFO} or {@code INFO} reply. */
    private static String field(Object reply, String name) {
        for (String part : ((String) reply).split("[\\s]+")) {
            if (part.startsWith(name + "=") || part.startsWith(name + ":")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + reply);
    }

    private static void awaitReplicationUp() {
        await("the replica to follow the primary").atMost(Fleet.PATIENCE)
                .until(() -> field(replica.execute("INFO", "replication"), "master_link_status").equals("up"));
    }

    static String sha256(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
