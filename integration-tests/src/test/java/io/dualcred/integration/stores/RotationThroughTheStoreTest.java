package io.dualcred.integration.stores;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.ServerAdmin;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A rotation driven through each secret store (docs/SECRET_ROTATION_PROCEDURE.md, section 12), with the store's
 * source reading a local server that speaks the store's protocol, against the real PostgreSQL and Redis servers; and
 * the store denying the source in the middle of one.
 */
@ExtendWith(NoSecretLeaks.class)
class RotationThroughTheStoreTest {

    /**
     * Reads of the store one rotation may cost (the modules' READMEs): one when NEXT is staged, one after the rejected
     * login at the server change, one at the promotion, and one spare for a poll landing between two commands of one
     * step (AWS's promotion is two commands).
     */
    private static final long READS_PER_ROTATION = 4;

    /** The most calls one read makes: AWS's DescribeSecret and a GetSecretValue per staged version. */
    private static final long CALLS_PER_READ = 3;

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("io.dualcred.integration.stores.Store#withOnePoolPerServer")
    void aRotationDrivenThroughTheStoreFailsNoOperation(Store store, PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "store");
        try (StoreUnderTest opened = store.open(secretName("orders", kind), account)) {
            ThroughTheStore.Cost cost = ThroughTheStore.rotate(kind, server, account, opened);

            assertThat(cost.reads()).as("reads of the store during the rotation").isBetween(2L, READS_PER_ROTATION);
            assertThat(cost.calls().calls() - cost.calls().versionChecks()).as("calls of those reads")
                    .isLessThanOrEqualTo(CALLS_PER_READ * cost.reads());
            assertThat(cost.calls().versionChecks()).as("one version check per poll interval")
                    .isLessThanOrEqualTo(cost.elapsed().toMillis() / ThroughTheStore.POLL.toMillis() + 1);
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("io.dualcred.integration.stores.Store#withOnePoolPerServer")
    void whenTheStoreDeniesTheSourceThePoolKeepsItsLastGoodCredentialsAndSaysWhy(Store store, PoolKind kind)
            throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "storedown");
        try (StoreUnderTest opened = store.open(secretName("down", kind), account)) {
            ThroughTheStore.storeFailsMidRotation(kind, server, account, opened, store.denial());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.dualcred.integration.stores.Store#values")
    void aStoreThatHangsNeverBlocksThePool(Store store) throws Exception {
        PoolKind kind = PoolKind.POSTGRES;
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "storehang");
        try (StoreUnderTest opened = store.open(secretName("hang", kind), account)) {
            ThroughTheStore.storeHangs(kind, server, account, opened);
        }
    }

    private static String secretName(String prefix, PoolKind kind) {
        return prefix + "-" + kind.name().toLowerCase(Locale.ROOT);
    }
}
