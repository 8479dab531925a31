package io.dualcred.integration.stores;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualcred.integration.support.Account;
import io.dualcred.sources.RemoteCredentialSource;

/**
 * A secret store behind one of dualcred's store sources, as the operator drives it through the runbook: the source a
 * pool reads, the store-side steps of a rotation, the store failing, and the store's own count of requests.
 */
interface StoreUnderTest extends AutoCloseable {

    /**
     * What AWS's rotation functions write, and the Google layout uses too; Jackson quotes the awkward characters a
     * password may hold.
     *
     * @param user the username
     * @param password the password
     * @return {@code {"username": ..., "password": ...}}
     */
    static String usernamePassword(String user, String password) {
        return new ObjectMapper().createObjectNode().put("username", user).put("password", password).toString();
    }

    /** @return e.g. {@code vault} */
    String name();

    /** @return the source the pools read, built with the store's defaults except the poll interval */
    RemoteCredentialSource source();

    /**
     * The runbook's "stage NEXT" in this store.
     *
     * @param account the account whose NEXT password is staged
     */
    void stageNext(Account account);

    /**
     * The runbook's "promote NEXT to CURRENT" in this store.
     *
     * @param account the account whose NEXT password becomes CURRENT
     */
    void promote(Account account);

    /** Makes every request fail as the store does when the source's credentials were revoked (403). */
    void denyEverything();

    /** Makes every request hang (until {@link #heal()}), as a store behind a black-holed network does. */
    void hangEverything();

    /** Ends every failure. */
    void heal();

    /** @return requests the store's server received */
    long requestsReceived();

    @Override
    void close();
}
