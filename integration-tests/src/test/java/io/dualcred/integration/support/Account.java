package io.dualcred.integration.support;

import io.dualcred.rotation.Credential;

/**
 * A user created on the server for one scenario: the password it logs in with now (CURRENT) and the one a rotation
 * moves it to (NEXT), both sentinels.
 *
 * @param user the user name
 * @param current its password on the server
 * @param next the password a rotation moves it to; on the server only once the scenario puts it there
 */
public record Account(String user, String current, String next) {

    /**
     * Creates the user on the server with its CURRENT password.
     *
     * @param server the server
     * @param label says what the user is for; lower-case letters
     * @return the account
     */
    public static Account create(ServerAdmin server, String label) {
        Account account = new Account(Sentinels.user(label), Sentinels.password(label + "-current"),
                Sentinels.password(label + "-next"));
        server.createUser(account.user, account.current);
        return account;
    }

    /** @return the user with its CURRENT password */
    public Credential currentCredential() {
        return Credential.of(user, current);
    }

    /** @return the user with its NEXT password */
    public Credential nextCredential() {
        return Credential.of(user, next);
    }

    /**
     * @param name describes the source
     * @return a secret store holding CURRENT only
     */
    public MutableSource source(String name) {
        return MutableSource.holding(name, currentCredential());
    }

    /**
     * @param label names the directory, and so the thread that watches it
     * @return a new secret volume holding CURRENT only
     */
    public SecretDirectory volume(String label) {
        return SecretDirectory.create(label).holdCurrent(user, current);
    }

    /**
     * @param name describes the source
     * @return a secret store holding CURRENT and NEXT, as after an operator staged the rotation
     */
    public MutableSource stagedSource(String name) {
        MutableSource source = source(name);
        source.set(currentCredential(), nextCredential());
        return source;
    }
}
