package io.dualcred.integration.stores;

import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.PoolKind;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The secret stores dualcred has a source for, each behind a local server speaking its protocol. */
enum Store {
    /** The {@code vault:} source, AppRole login, KV v2. */
    VAULT(VaultStoreUnderTest::new, "Vault answered 403"),
    /** The {@code aws-sm:} source. */
    AWS_SECRETS_MANAGER(AwsStoreUnderTest::new, "AccessDeniedException"),
    /** The {@code gcp-sm:} source, aliases {@code current} and {@code next} of one secret. */
    GOOGLE_SECRET_MANAGER(GoogleStoreUnderTest::new, "PERMISSION_DENIED");

    private final BiFunction<String, Account, StoreUnderTest> open;
    private final String denial;

    Store(BiFunction<String, Account, StoreUnderTest> open, String denial) {
        this.open = open;
        this.denial = denial;
    }

    /**
     * @param name names the secret
     * @param account the account whose CURRENT the store holds at first
     * @return the running store; close it afterwards
     */
    StoreUnderTest open(String name, Account account) {
        return open.apply(name, account);
    }

    /** @return what the pool's {@code SourceFailed} says when the store denies the source */
    String denial() {
        return denial;
    }

    /** @return every store with one pool kind per server */
    static Stream<Arguments> withOnePoolPerServer() {
        return Stream.of(values()).flatMap(store -> PoolKind.onePerServer().map(kind -> Arguments.of(store, kind)));
    }
}
