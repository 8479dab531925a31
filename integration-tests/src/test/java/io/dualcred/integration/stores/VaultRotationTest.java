package io.dualcred.integration.stores;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.ServerAdmin;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A rotation driven through Vault (docs/SECRET_ROTATION_PROCEDURE.md, "Vault"), with the {@code vault:} source reading
 * a fake Vault that speaks Vault's HTTP API, against the real PostgreSQL and Redis servers.
 */
@ExtendWith(NoSecretLeaks.class)
class VaultRotationTest {

    /**
     * Reads of Vault one rotation may cost (sources-vault/README.md): one when NEXT is staged, one after the rejected
     * login at the server change, one at the promotion, and one spare for a version check that lands between two
     * steps of the operator's.
     */
    private static final long READS_PER_ROTATION = 4;

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aRotationDrivenThroughVaultFailsNoOperation(PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "vault");
        try (VaultStoreUnderTest vault = new VaultStoreUnderTest("orders-" + kind.name().toLowerCase(), account)) {
            ThroughTheStore.Cost cost = ThroughTheStore.rotate(kind, server, account, vault);

            assertThat(cost.reads()).as("reads of Vault during the rotation").isBetween(2L, READS_PER_ROTATION);
            assertThat(cost.calls().versionChecks()).as("one metadata call per poll interval")
                    .isLessThanOrEqualTo(cost.elapsed().toMillis() / ThroughTheStore.POLL.toMillis() + 1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void whenVaultRefusesTheSourceThePoolKeepsItsLastGoodCredentialsAndSaysWhy(PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "vaultdown");
        try (VaultStoreUnderTest vault = new VaultStoreUnderTest("down-" + kind.name().toLowerCase(), account)) {
            ThroughTheStore.storeFailsMidRotation(kind, server, account, vault, "Vault answered 403");
        }
    }
}
