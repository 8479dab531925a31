package io.dualcred.integration.revocation;

import static io.dualcred.integration.support.Eventually.within;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 2, revocation: once the pools have switched, the operator revokes the old credential for good and closes
 * every session that still used it, under load. Nothing may fail, because the pool retired those sessions itself.
 *
 * <p>Revocation per strategy: PostgreSQL single role, {@code pg_terminate_backend} on the sessions opened before
 * the password change; PostgreSQL alternating roles, {@code NOLOGIN}, then terminating and dropping the old role;
 * Redis ACL user with two passwords, {@code ACL SETUSER <old} and {@code CLIENT KILL ID} for each connection opened
 * before; Redis alternating users, {@code ACL DELUSER}, which closes the old user's connections.
 */
@ExtendWith(NoSecretLeaks.class)
class RevocationAfterTheSwitchTest {

    /** How long the pool has to retire its old sessions: the runbook tells operators to expect "seconds". */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

    /** How the new credential differs from the old one. */
    enum Strategy {
        /** Same user, new password. */
        SAME_USER,
        /** Another user with its own password (PostgreSQL alternating roles, Redis alternating ACL users). */
        ALTERNATING_USERS
    }

    static Stream<Arguments> kindsAndStrategies() {
        return PoolKind.all().flatMap(kind -> Stream.of(Strategy.values()).map(s -> Arguments.of(kind, s)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kindsAndStrategies")
    void revokingTheOldCredentialAndKillingItsSessionsAfterTheSwitchFailsNoOperation(PoolKind kind, Strategy strategy)
            throws Exception {
        ServerAdmin server = kind.sharedServer();
        String oldUser = Sentinels.user("blue");
        String oldPassword = Sentinels.password("blue");
        String newUser = strategy == Strategy.SAME_USER ? oldUser : Sentinels.user("green");
        String newPassword = Sentinels.password("green");
        server.createUser(oldUser, oldPassword);
        MutableSource source = MutableSource.holding("revocation", Credential.of(oldUser, oldPassword));

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("revocation-" + kind, source).mbeans(true));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(1_000);

            // Stage NEXT on the server and in the store; the operator waits until the pool sees it.
            if (strategy == Strategy.SAME_USER) {
                server.addNextPassword(oldUser, newPassword);
            } else {
                server.createUser(newUser, newPassword);
            }
            source.set(Credential.of(oldUser, oldPassword), Credential.of(newUser, newPassword));
            assertThat(pool.refresh().nextStaged()).isTrue();

            // The step the pool reacts to, then the eviction the runbook asks for.
            ServerAdmin.Mark cutOver = server.mark();
            if (strategy == Strategy.SAME_USER) {
                server.replacePassword(oldUser, oldPassword, newPassword);
            } else {
                server.disableLogin(oldUser);
            }
            pool.evictConnections();
            within("the pool to switch to NEXT", DRAIN_LIMIT).until(() -> pool.status().activeSlot() == Slot.NEXT);

            // The operator's check before revoking: no session of the old credential is left.
            within("the pool to retire every session opened with the old credential", DRAIN_LIMIT)
                    .until(() -> oldSessions(server, strategy, oldUser, cutOver).isEmpty());
            Exposure.jmx();

            Load.Checkpoint beforeRevocation = load.checkpoint();
            int killed = revoke(server, strategy, oldUser, cutOver);
            load.awaitSuccesses(2_000);

            source.set(Credential.of(newUser, newPassword));
            assertThat(pool.refresh().activeSlot()).as("promoted").isEqualTo(Slot.CURRENT);
            load.awaitSuccesses(500);
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(load.failuresSince(beforeRevocation)).isZero();
            assertThat(status.activeUsername()).isEqualTo(newUser);
            assertThat(status.counters().switches()).isEqualTo(1);
            assertThat(pool.loggedInAs()).isEqualTo(newUser);
            Report.line("revocation %s %s: %d sessions of the old credential left to kill, %d logins rejected by "
                    + "the server, slowest operation %d ms", kind, strategy, killed, server.rejectedLogins(oldUser),
                    load.slowest().toMillis());
        }
    }

    private static java.util.List<Long> oldSessions(ServerAdmin server, Strategy strategy, String oldUser,
                                                    ServerAdmin.Mark cutOver) {
        return strategy == Strategy.SAME_USER
                ? server.sessionsOpenedBefore(oldUser, cutOver)
                : server.sessions(oldUser);
    }

    /** @return how many sessions the revocation closed */
    private static int revoke(ServerAdmin server, Strategy strategy, String oldUser, ServerAdmin.Mark cutOver) {
        if (strategy == Strategy.SAME_USER) {
            // PostgreSQL replaced the password already; Redis removed it (ACL SETUSER <old) in replacePassword.
            return server.killSessionsOpenedBefore(oldUser, cutOver);
        }
        // PostgreSQL terminates the role's sessions and drops it; Redis ACL DELUSER closes the user's connections.
        int left = server.sessions(oldUser).size();
        server.deleteUser(oldUser);
        return left;
    }
}
