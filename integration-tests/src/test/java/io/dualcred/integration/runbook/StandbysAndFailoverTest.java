package io.dualcred.integration.runbook;

import static io.dualcred.integration.support.Eventually.eventually;
import static io.dualcred.integration.support.Eventually.within;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.failover.SqlPool;
import io.dualcred.integration.runbook.RunbookOperator.Procedure;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.PostgresServer;
import io.dualcred.testservers.SqlQuoting;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL with a streaming standby behind multi-host URLs: a write pool ({@code targetServerType=primary}) and a
 * read pool ({@code targetServerType=preferSecondary}, pgjdbc's name for libpq's {@code prefer-standby}), 8 threads each. Runs section 4.1 of the runbook ({@code pg-standbys}) under
 * that load, promotes the standby in the middle of a rotation beside a plain HikariCP pool, and rotates while the
 * standby lags.
 */
@ExtendWith(NoSecretLeaks.class)
class StandbysAndFailoverTest {

    /** The runbook procedures this class runs. */
    static final List<String> PROCEDURES = List.of("pg-standbys");

    private static final Logger LOG = LoggerFactory.getLogger(StandbysAndFailoverTest.class);
    private static final int THREADS_PER_POOL = 8;
    private static final int POOL_SIZE = 8;
    private static final long PROGRESS = 200;
    private static final String ROLE = "ha_app";
    private static final String CURRENT = Sentinels.awkwardPassword();
    private static final String NEXT = Sentinels.password("next");
    private static final String WRITE = "INSERT INTO ha_writes DEFAULT VALUES";
    private static final String READ = "SELECT max(id) FROM ha_writes";
    /** What a failover does to sessions and logins: killed, cut, refused, read-only, starting up. */
    private static final Set<String> FAILOVER_STATES = Set.of("57P01", "08006", "08001", "08003", "25006", "57P03");

    private static final Runbook RUNBOOK = Runbook.load();

    @Test
    void rotationByTheRunbookFailsNoOperationAndCostsAtMostOneRejectedLoginPerPool() throws Exception {
        try (Cluster cluster = Cluster.start();
             RunbookOperator operator = new RunbookOperator(RUNBOOK, cluster::primarySession)) {
            MutableSource store = MutableSource.holding("ha-runbook", Credential.of(ROLE, CURRENT));
            underLoad(cluster, "ha-runbook", store, (writer, reader, writes, reads) -> {
                assertThat(reader.onStandby()).as("the read pool is on the standby").isTrue();
                assertThat(writer.onStandby()).as("the write pool is on the primary").isFalse();

                // Step 1: stage NEXT
                store.set(Credential.of(ROLE, CURRENT), Credential.of(ROLE, NEXT));
                assertThat(writer.refresh().nextStaged()).isTrue();
                assertThat(reader.refresh().nextStaged()).isTrue();
                // Step 2, on the primary
                Procedure standbys = operator.procedure("pg-standbys");
                operator.variables.put("app_role", ROLE);
                operator.variables.put("next_password", NEXT);
                standbys.sql("change-password");
                standbys.sql("record-lsn");
                assertThat(operator.variables.get("change_lsn")).matches("[0-9A-F]+/[0-9A-F]+");
                // Step 3: every standby has the change
                List<Map<String, String>> replication = standbys.sql("replication-status");
                awaitRows("the standby streams and has the change", replication,
                        () -> standbys.sqlAgain("replication-status"),
                        rows -> rows.size() == 1 && "streaming".equals(rows.get(0).get("state"))
                                && "t".equals(rows.get(0).get("has_change")));
                List<Map<String, String>> replayed = standbys.sqlOn("standby-replayed", cluster::standbySession);
                awaitRows("the standby has replayed the change", replayed,
                        () -> standbys.sqlAgainOn("standby-replayed", cluster::standbySession),
                        rows -> "t".equals(rows.get(0).get("has_change")));
                assertThat(replayed.get(0).get("standby")).isEqualTo("t");
                standbys.finish();
                // Step 4: verify
                writer.evictConnections();
                reader.evictConnections();
                awaitSlot(writer, Slot.NEXT);
                awaitSlot(reader, Slot.NEXT);
                // Step 5: promote
                promoteInTheStore(store, writer, reader);
                writes.awaitSuccesses(PROGRESS);
                reads.awaitSuccesses(PROGRESS);

                LOG.info("runbook rotation through multi-host URLs: writes {} ok / {} failed, reads {} ok / {} failed,"
                                + " rejected logins writer {} reader {}", writes.successes(), writes.failures(),
                        reads.successes(), reads.failures(), rejected(writer), rejected(reader));
                assertThat(writes.someFailures()).as("failed writes").isEmpty();
                assertThat(reads.someFailures()).as("failed reads").isEmpty();
                assertThat(writes.failures() + reads.failures()).isZero();
                assertThat(rejected(writer)).as("writer's rejected logins").isLessThanOrEqualTo(1);
                assertThat(rejected(reader)).as("reader's rejected logins").isLessThanOrEqualTo(1);
                // pgjdbc moves to the next host of a multi-host URL after a rejected login, so one rejected login of a
                // pool shows once per host it tried in the servers' logs: usually two for the writer and three for the
                // reader (preferSecondary tries the standbys, then every host again), and dualcred's host-by-host look
                // after pgjdbc's "no server of that type" asks each host once more. Seen 3 to 8 in all for the two
                // pools; a storm (every connection of a pool rejected) would be 16 or more.
                long logged = cluster.primary.authenticationFailures(ROLE) + cluster.standby.authenticationFailures(ROLE);
                LOG.info("failed authentications in the server logs: {}", logged);
                assertThat(logged).isLessThanOrEqualTo(5L * (rejected(writer) + rejected(reader)));
            });
        }
    }

    @Test
    void aFailoverInTheMiddleOfARotationFlipsNoCredentialAndFailsOnlyWhatItFailsForPlainHikari()
            throws Exception {
        try (Cluster cluster = Cluster.start()) {
            String plainRole = "ha_plain";
            String plainPassword = "plain ☃";
            cluster.primary.createLoginRole(plainRole, plainPassword);
            cluster.primary.execute("GRANT INSERT, SELECT ON ha_writes TO " + plainRole
                    + "; GRANT USAGE ON SEQUENCE ha_writes_id_seq TO " + plainRole);
            cluster.awaitReplayed();
            MutableSource store = MutableSource.holding("ha-failover", Credential.of(ROLE, CURRENT));
            underLoad(cluster, "ha-failover", store, (writer, reader, writes, reads) -> {
                try (SqlPool plain = SqlPool.plain("ha-failover-plain", cluster.url("primary"), plainRole,
                        plainPassword, POOL_SIZE, WRITE);
                     Load plainWrites = Load.start(plain, THREADS_PER_POOL)) {
                    plainWrites.awaitSuccesses(PROGRESS);

                    // The rotation up to the server change, verified: both pools on NEXT, the store not promoted yet.
                    store.set(Credential.of(ROLE, CURRENT), Credential.of(ROLE, NEXT));
                    writer.refresh();
                    reader.refresh();
                    cluster.primary.setPassword(ROLE, NEXT);
                    cluster.awaitReplayed();
                    writer.evictConnections();
                    reader.evictConnections();
                    awaitSlot(writer, Slot.NEXT);
                    awaitSlot(reader, Slot.NEXT);
                    // Events reach listeners on the pools' event threads, after the status shows the switch.
                    awaitSwitchEvent(writer);
                    awaitSwitchEvent(reader);
                    long writerSwitches = writer.status().counters().switches();
                    long readerSwitches = reader.status().counters().switches();
                    int writerEvents = writer.events().size();
                    int readerEvents = reader.events().size();
                    Load.Checkpoint writesBefore = writes.checkpoint();
                    Load.Checkpoint readsBefore = reads.checkpoint();
                    Load.Checkpoint plainBefore = plainWrites.checkpoint();

                    // The failover: the primary goes, the standby is promoted.
                    cluster.primary.stop();
                    cluster.standby.promote();
                    within("every pool to serve again after the failover", Duration.ofSeconds(60)).until(() ->
                            writes.successesSince(writesBefore) > PROGRESS && reads.successesSince(readsBefore) > PROGRESS
                                    && plainWrites.successesSince(plainBefore) > PROGRESS);
                    assertThat(writer.onStandby()).as("the write pool is on the promoted standby").isFalse();

                    // The rotation goes on: promote in the store.
                    promoteInTheStore(store, writer, reader);
                    writes.awaitSuccesses(PROGRESS);

                    List<RotationEvent> duringFailover = new ArrayList<>(writer.events().subList(writerEvents,
                            writer.events().size()));
                    duringFailover.addAll(reader.events().subList(readerEvents, reader.events().size()));
                    long dualcredFailures = writes.failuresSince(writesBefore) + reads.failuresSince(readsBefore);
                    long plainFailures = plainWrites.failuresSince(plainBefore);
                    LOG.info("failover mid-rotation: dualcred writer {} failed / {} ok, reader {} failed / {} ok; plain "
                                    + "HikariCP {} failed / {} ok; dualcred failure states {}, plain {}; events since: {}",
                            writes.failuresSince(writesBefore), writes.successesSince(writesBefore),
                            reads.failuresSince(readsBefore), reads.successesSince(readsBefore), plainFailures,
                            plainWrites.successesSince(plainBefore), states(writes, reads), states(plainWrites),
                            duringFailover.stream().map(event -> event.getClass().getSimpleName()).toList());
                    assertThat(duringFailover).as("the failover made no pool switch or give up on its credentials")
                            .noneMatch(event -> event instanceof RotationEvent.CredentialSwitched
                                    || event instanceof RotationEvent.CredentialRejected
                                    || event instanceof RotationEvent.AllRejected);
                    assertThat(writer.status().counters().switches()).isEqualTo(writerSwitches);
                    assertThat(reader.status().counters().switches()).isEqualTo(readerSwitches);
                    assertThat(states(writes, reads)).as("what the failover did to the dualcred pools")
                            .isSubsetOf(FAILOVER_STATES);
                    assertThat(writes.someFailures()).noneMatch(writer::isEveryCredentialRejected);
                    // The failover hits both kinds of pool alike: whatever was under way at the cut, plus the callers that
                    // waited out connectionTimeout while no primary existed.
                    assertThat(dualcredFailures).as("dualcred failures against plain HikariCP's " + plainFailures)
                            .isLessThanOrEqualTo(2 * plainFailures + 2L * THREADS_PER_POOL);
                }
            });
        }
    }

    @Test
    void aLaggingStandbyKeepsServingReadsOnCurrentAndSwitchesOnceItCatchesUp() throws Exception {
        try (Cluster cluster = Cluster.start()) {
            MutableSource store = MutableSource.holding("ha-lag", Credential.of(ROLE, CURRENT));
            underLoad(cluster, "ha-lag", store, (writer, reader, writes, reads) -> {

                cluster.standby.pauseReplay(true);
                store.set(Credential.of(ROLE, CURRENT), Credential.of(ROLE, NEXT));
                writer.refresh();
                reader.refresh();
                cluster.primary.setPassword(ROLE, NEXT);
                String change = cluster.primary.currentWalLsn();
                writer.evictConnections();
                awaitSlot(writer, Slot.NEXT);
                // The reader's new logins meet the lagging standby, which still has CURRENT.
                reader.evictConnections();
                eventually("the reader to have replaced its connections on the lagging standby").until(() ->
                        cluster.standby.sessions(ROLE).size() >= POOL_SIZE && reader.status().counters().evictions() >= 1
                                && reads.successes() > 0);
                reads.awaitSuccesses(PROGRESS);
                assertThat(cluster.standby.hasReplayed(change)).as("the standby still lags").isFalse();
                assertThat(reader.status().activeSlot()).isEqualTo(Slot.CURRENT);
                assertThat(rejected(reader)).as("the reader's rejected logins while the standby lags").isZero();

                cluster.standby.pauseReplay(false);
                cluster.standby.awaitReplayed(change);
                reader.evictConnections();
                awaitSlot(reader, Slot.NEXT);
                reads.awaitSuccesses(PROGRESS);

                RotationStatus status = reader.status();
                LOG.info("lagging standby: reads {} ok / {} failed, writes {} ok / {} failed, rejected logins reader {}"
                                + " writer {}, all-rejected rounds reader {}", reads.successes(), reads.failures(),
                        writes.successes(), writes.failures(), rejected(reader), rejected(writer),
                        status.counters().allRejectedRounds());
                assertThat(reads.someFailures()).as("failed reads").isEmpty();
                assertThat(writes.someFailures()).as("failed writes").isEmpty();
                assertThat(rejected(reader)).as("the reader's rejected logins for its switch").isEqualTo(1);
                assertThat(rejected(writer)).as("the writer's rejected logins for its switch").isEqualTo(1);
                assertThat(status.counters().allRejectedRounds()).as("lockout rounds").isZero();
                assertThat(status.backingOff()).isFalse();
            });
        }
    }

    /** The steps of a scenario, run while both dualcred pools serve their load. */
    @FunctionalInterface
    private interface Scenario {
        void run(SqlPool writer, SqlPool reader, Load writes, Load reads) throws Exception;
    }

    private static void underLoad(Cluster cluster, String name, MutableSource store, Scenario scenario)
            throws Exception {
        try (ReadsAndWrites load = ReadsAndWrites.start(cluster, name, store)) {
            scenario.run(load.writer(), load.reader(), load.writes(), load.reads());
        }
    }

    /** Step 5 of the runbook: NEXT becomes CURRENT in the store, and the pools follow it. */
    private static void promoteInTheStore(MutableSource store, SqlPool... pools) {
        store.set(Credential.of(ROLE, NEXT));
        for (SqlPool pool : pools) {
            pool.refresh();
            awaitSlot(pool, Slot.CURRENT);
        }
    }

    private static long rejected(SqlPool pool) {
        return pool.status().counters().rejectedLogins();
    }

    private static void awaitSlot(SqlPool pool, Slot slot) {
        eventually(pool.name() + " to use " + slot).until(() -> pool.status().activeSlot() == slot);
    }

    private static void awaitSwitchEvent(SqlPool pool) {
        eventually(pool.name() + "'s switch to reach its listener").until(() -> pool.events().stream()
                .anyMatch(event -> event instanceof RotationEvent.CredentialSwitched));
    }

    private static Set<String> states(Load... loads) {
        Set<String> states = new TreeSet<>();
        for (Load load : loads) {
            for (Throwable failure : load.someFailures()) {
                states.add(stateOf(failure));
            }
        }
        return states;
    }

    private static String stateOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return failure.getClass().getSimpleName();
    }

    private static void awaitRows(String what, List<Map<String, String>> first,
                                  Supplier<List<Map<String, String>>> again,
                                  java.util.function.Predicate<List<Map<String, String>>> done) {
        if (done.test(first)) {
            return;
        }
        eventually(what).until(() -> done.test(again.get()));
    }

    /** The two dualcred pools under load, 8 threads each, started and warmed up. */
    private record ReadsAndWrites(SqlPool writer, SqlPool reader, Load writes, Load reads) implements AutoCloseable {

        static ReadsAndWrites start(Cluster cluster, String name, MutableSource store) {
            SqlPool writer = SqlPool.dualcred(name + "-writer", cluster.url("primary"), store, POOL_SIZE, WRITE);
            SqlPool reader = SqlPool.dualcred(name + "-reader", cluster.url("preferSecondary"), store, POOL_SIZE, READ);
            ReadsAndWrites load = new ReadsAndWrites(writer, reader, Load.start(writer, THREADS_PER_POOL),
                    Load.start(reader, THREADS_PER_POOL));
            load.writes.awaitSuccesses(PROGRESS);
            load.reads.awaitSuccesses(PROGRESS);
            return load;
        }

        @Override
        public void close() {
            try (writer; reader; writes; reads) {
                // closes the loads first, then the pools
            }
        }
    }

    /** A primary, its standby, the role {@value #ROLE} with CURRENT, and the table the writers fill. */
    private record Cluster(PostgresServer primary, PostgresServer standby) implements AutoCloseable {

        static Cluster start() {
            PostgresServer primary = PostgresServer.startNewPrimary();
            try {
                primary.createLoginRole(ROLE, CURRENT);
                primary.execute("CREATE TABLE ha_writes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());"
                        + " GRANT INSERT, SELECT ON ha_writes TO " + SqlQuoting.identifier(ROLE) + ";"
                        + " GRANT USAGE ON SEQUENCE ha_writes_id_seq TO " + SqlQuoting.identifier(ROLE));
                Cluster cluster = new Cluster(primary, primary.startStandby());
                cluster.awaitReplayed();
                return cluster;
            } catch (RuntimeException e) {
                primary.close();
                throw e;
            }
        }

        String url(String targetServerType) {
            return PostgresServer.multiHostJdbcUrl(targetServerType, primary, standby);
        }

        void awaitReplayed() {
            standby.awaitReplayed(primary.currentWalLsn());
        }

        Connection primarySession() {
            return session(primary);
        }

        Connection standbySession() {
            return session(standby);
        }

        private static Connection session(PostgresServer server) {
            try {
                return server.connect(server.superuser(), server.superuserPassword());
            } catch (SQLException e) {
                throw new IllegalStateException("the operator cannot log in to " + server + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                standby.close();
            } finally {
                primary.close();
            }
        }
    }
}
