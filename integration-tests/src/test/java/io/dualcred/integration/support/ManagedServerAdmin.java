package io.dualcred.integration.support;

import io.dualcred.testservers.ManagedServer;

/**
 * The part of {@link ServerAdmin} that does not depend on the product: where the server listens, its life, and the
 * rejected logins it counted.
 *
 * @param <S> the test server type
 */
abstract class ManagedServerAdmin<S extends ManagedServer> implements ServerAdmin {

    final S server;

    ManagedServerAdmin(S server) {
        this.server = server;
    }

    @Override
    public String host() {
        return server.host();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public long rejectedLogins(String user) {
        return server.authenticationFailures(user);
    }

    @Override
    public void stop() {
        server.stop();
    }

    @Override
    public void start() {
        server.start();
    }

    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return server.toString();
    }
}
