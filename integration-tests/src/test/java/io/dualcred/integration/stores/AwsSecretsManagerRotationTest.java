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
 * A rotation driven through AWS Secrets Manager (docs/SECRET_ROTATION_PROCEDURE.md, 12.2), with the {@code aws-sm:}
 * source reading a local server that speaks Secrets Manager's JSON protocol, against the real PostgreSQL and Redis
 * servers.
 */
@ExtendWith(NoSecretLeaks.class)
class AwsSecretsManagerRotationTest {

    /** Reads per rotation (sources-aws/README.md): staged, rejected login, promoted, one spare. */
    private static final long READS_PER_ROTATION = 4;

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void aRotationDrivenThroughSecretsManagerFailsNoOperation(PoolKind kind) throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "awssm");
        try (AwsStoreUnderTest aws = new AwsStoreUnderTest("prod/orders-" + kind.name().toLowerCase(), account)) {
            ThroughTheStore.Cost cost = ThroughTheStore.rotate(kind, server, account, aws);

            assertThat(cost.reads()).as("reads of Secrets Manager during the rotation")
                    .isBetween(2L, READS_PER_ROTATION);
            // A read is DescribeSecret plus one GetSecretValue per staged version.
            assertThat(cost.calls().calls() - cost.calls().versionChecks()).isLessThanOrEqualTo(3 * cost.reads());
            assertThat(cost.calls().versionChecks()).as("one DescribeSecret per poll interval")
                    .isLessThanOrEqualTo(cost.elapsed().toMillis() / ThroughTheStore.POLL.toMillis() + 1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.integration.support.PoolKind#onePerServer")
    void whenSecretsManagerDeniesTheSourceThePoolKeepsItsLastGoodCredentialsAndSaysWhy(PoolKind kind)
            throws Exception {
        ServerAdmin server = kind.sharedServer();
        Account account = Account.create(server, "awsdown");
        try (AwsStoreUnderTest aws = new AwsStoreUnderTest("prod/down-" + kind.name().toLowerCase(), account)) {
            ThroughTheStore.storeFailsMidRotation(kind, server, account, aws, "AccessDeniedException");
        }
    }
}
