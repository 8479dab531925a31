package io.dualcred.integration.runbook;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.runbook.RunbookOperator.Procedure;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.integration.support.ServerAdmin.Mark;
import io.dualcred.rotation.Credential;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.RedisServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Section 9.1 of the runbook, run against a fleet: ten pools per server (standing in for ten instances) on one
 * store, whose password moves from version 6 to version 7 by a change on the server and a promotion in the store.
 * While the pools replace their sessions, the runbook's one query (PostgreSQL) or one command (Redis) is sampled over
 * and over, and each sample must list as old exactly the sessions the server itself knows logged in before the
 * password changed (PostgreSQL's {@code backend_start}, Redis's client ids), and none once every pool has switched.
 * Nothing is asked of the pools: every check reads the server alone.
 */
@ExtendWith(NoSecretLeaks.class)
class FleetVerifiedFromTheServerTest {

    private static final int INSTANCES = 10;
    private static final int SIZE = 3;
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final String OLD = "6";
    private static final String NEW = "7";
    private static final Runbook RUNBOOK = Runbook.load();

    /** What one sample of the runbook's check showed, next to what the server knows. */
    private record Sample(Map<String, Set<Long>> byVersion, Set<Long> openedBeforeTheChange, List<String> names,
                          String shown) {

        Set<Long> old() {
            return byVersion.getOrDefault("v" + OLD, Set.of());
        }

        int sessions() {
            return byVersion.values().stream().mapToInt(Set::size).sum();
        }
    }

    /** The runbook's check on one kind of server. */
    private interface FleetCheck {
        Sample sample(Mark change);
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void theRunbookCheckListsExactlyTheSessionsStillOnTheOldVersionAtEachMoment(PoolKind kind) {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "fleet");
        Credential current = account.currentCredential().withVersion(OLD);
        Credential next = account.nextCredential().withVersion(NEW);
        MutableSource store = MutableSource.holding("fleet", current);
        List<PoolUnderTest> pools = new ArrayList<>();
        List<Load> loads = new ArrayList<>();
        try (RunbookOperator operator = new RunbookOperator(RUNBOOK, FleetVerifiedFromTheServerTest::psql)) {
            operator.variables.put("app_role", account.user());
            for (int instance = 0; instance < INSTANCES; instance++) {
                PoolUnderTest pool = kind.open(server, PoolSpec.of("fleet-" + instance, store)
                        .size(SIZE)
                        .fleetMember(WINDOW));
                pools.add(pool);
                loads.add(Load.start(pool, SIZE));
            }
            pools.forEach(PoolUnderTest::awaitFull);
            FleetCheck check = kind.isRedis()
                    ? redisCheck(operator.procedure("fleet-verify-redis"), account.user())
                    : postgresCheck(operator, operator.procedure("fleet-verify-pg"), account.user());

            Sample before = check.sample(server.mark());
            assertThat(before.byVersion()).containsOnlyKeys("v" + OLD);
            assertThat(before.old()).hasSize(INSTANCES * SIZE);

            // The runbook's order: NEXT staged everywhere, the server changed, then one promotion for the fleet.
            server.addNextPassword(account.user(), account.next());
            store.set(current, next);
            server.replacePassword(account.user(), account.current(), account.next());
            Mark change = server.mark();
            store.set(next);

            List<Integer> oldCounts = new ArrayList<>();
            String[] midway = {null};
            eventually("every pool to have replaced its sessions of version " + OLD).until(() -> {
                Sample sample = check.sample(change);
                assertThat(sample.byVersion().keySet()).as("versions the check lists: %s", sample.names())
                        .isSubsetOf("v" + OLD, "v" + NEW, "untagged");
                // A session without a name is one logging in at that moment (the server shows the name once the
                // login is done): a replacement, never a session of the old password.
                assertThat(sample.names()).filteredOn(name -> !name.contains("[dualcred:"))
                        .allSatisfy(name -> assertThat(name).isEmpty());
                assertThat(Collections.disjoint(sample.byVersion().getOrDefault("untagged", Set.of()),
                        sample.openedBeforeTheChange())).as("an untagged session opened before the change").isTrue();
                assertThat(sample.old()).as("sessions the check lists as old")
                        .isEqualTo(sample.openedBeforeTheChange());
                if (oldCounts.isEmpty() || oldCounts.get(oldCounts.size() - 1) != sample.old().size()) {
                    oldCounts.add(sample.old().size());
                }
                if (midway[0] == null && sample.old().size() <= INSTANCES * SIZE / 2 && !sample.old().isEmpty()) {
                    midway[0] = sample.shown();
                }
                return sample.old().isEmpty();
            });
            assertThat(oldCounts).as("old sessions per sample while the fleet switched")
                    .anyMatch(count -> count > 0 && count < INSTANCES * SIZE);
            String[] end = {null};
            eventually("the fleet to hold its sessions, all on version " + NEW).untilAsserted(() -> {
                Sample after = check.sample(change);
                end[0] = after.shown();
                assertThat(after.byVersion()).containsOnlyKeys("v" + NEW);
                assertThat(after.sessions()).isEqualTo(INSTANCES * SIZE);
                assertThat(after.names()).allSatisfy(name -> assertThat(name).endsWith("[dualcred:v" + NEW + "]"));
            });
            for (Load load : loads) {
                load.close();
                assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            }
            Report.line("fleet check (%s): %d pools x %d connections switched from v%s to v%s; old sessions listed "
                    + "by the runbook's check as the fleet switched: %s; halfway it showed:%s%nat the end:%s",
                    server.product(), INSTANCES, SIZE, OLD, NEW, oldCounts, excerpt(midway[0]), excerpt(end[0]));
        } finally {
            loads.forEach(Load::close);
            pools.forEach(PoolUnderTest::close);
        }
    }

    /**
     * PostgreSQL: the query groups sessions by version; in the same transaction, and so the same snapshot of
     * {@code pg_stat_activity}, the test reads each session's name and whether it started before the change.
     */
    private static FleetCheck postgresCheck(RunbookOperator operator, Procedure procedure, String role) {
        boolean[] first = {true};
        return change -> operator.inOneTransaction(() -> {
            List<Map<String, String>> rows = first[0] ? procedure.sql("sessions-by-version")
                    : procedure.sqlAgain("sessions-by-version");
            if (first[0]) {
                procedure.finish();
                first[0] = false;
            }
            Map<String, Set<Long>> byVersion = new TreeMap<>();
            StringBuilder shown = new StringBuilder();
            for (Map<String, String> row : rows) {
                shown.append("\n  ").append(row.get("credential_version")).append(" | ").append(row.get("sessions"))
                        .append(" | ").append(row.get("hosts")).append(" | ").append(row.get("pids")).append(" | ")
                        .append(row.get("applications"));
                Set<Long> pids = Arrays.stream(row.get("pids").split(" ")).map(Long::valueOf)
                        .collect(Collectors.toSet());
                assertThat(pids).as("pids of %s", row).hasSize(Integer.parseInt(row.get("sessions")));
                byVersion.put(row.get("credential_version"), pids);
            }
            Set<Long> opened = new HashSet<>();
            List<String> names = new ArrayList<>();
            for (Map<String, String> session : operator.query("SELECT pid, application_name, backend_start < ? AS "
                    + "before_change FROM pg_stat_activity WHERE usename = ?",
                    java.sql.Timestamp.from(change.serverTime()), role)) {
                names.add(session.get("application_name"));
                Exposure.sessionName(session.get("application_name"));
                if ("t".equals(session.get("before_change"))) {
                    opened.add(Long.valueOf(session.get("pid")));
                }
            }
            return new Sample(byVersion, opened, names, shown.toString());
        });
    }

    /** Redis: one {@code CLIENT LIST} shows both each connection's tag and its id, which tells when it logged in. */
    private static FleetCheck redisCheck(Procedure procedure, String user) {
        RedisServer redis = RedisServer.shared();
        RunbookOperator.RedisTarget shared = RunbookOperator.RedisTarget.of("shared", redis::execute);
        boolean[] first = {true};
        return change -> {
            Object reply = (first[0] ? procedure.redis("clients-by-version", shared)
                    : procedure.redisAgain("clients-by-version", shared)).get(0).get(0);
            if (first[0]) {
                procedure.finish();
                first[0] = false;
            }
            Map<String, Set<Long>> byVersion = new TreeMap<>();
            Set<Long> opened = new HashSet<>();
            List<String> names = new ArrayList<>();
            StringBuilder shown = new StringBuilder();
            for (Map<String, String> client : SecretRotationProcedureTest.clientList(reply)) {
                if (!user.equals(client.get("user"))) {
                    continue;
                }
                shown.append("\n  id=").append(client.get("id")).append(" age=").append(client.get("age"))
                        .append(" name=").append(client.get("name")).append(" user=").append(user);
                String name = client.get("name");
                names.add(name);
                Exposure.sessionName(name);
                long id = Long.parseLong(client.get("id"));
                byVersion.computeIfAbsent(version(name), v -> new HashSet<>()).add(id);
                if (id < change.lastClientId()) {
                    opened.add(id);
                }
            }
            return new Sample(byVersion, opened, names, shown.toString());
        };
    }

    /** @return the first lines of what a check showed, for the report */
    private static String excerpt(String shown) {
        List<String> lines = shown.lines().toList();
        return lines.size() <= 7 ? shown
                : String.join("\n", lines.subList(0, 7)) + "\n  ... (" + (lines.size() - 1) + " connections)";
    }

    /** @return {@code v7} from {@code ...[dualcred:v7]}, or {@code untagged}, as the runbook's SQL query says */
    private static String version(String name) {
        int tag = name.lastIndexOf("[dualcred:");
        return tag < 0 || !name.endsWith("]") ? "untagged" : name.substring(tag + "[dualcred:".length(),
                name.length() - 1);
    }

    private static Connection psql() {
        PostgresServer postgres = PostgresServer.shared();
        try {
            return postgres.connect(postgres.superuser(), postgres.superuserPassword());
        } catch (SQLException e) {
            throw new IllegalStateException("the operator cannot log in: " + e.getMessage(), e);
        }
    }
}
