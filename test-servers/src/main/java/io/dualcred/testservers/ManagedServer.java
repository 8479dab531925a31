package io.dualcred.testservers;

import java.time.Duration;

/**
 * What {@link PostgresServer} and {@link RedisServer} share: where the server listens, and its life (first start,
 * stop, start again, close) with a JVM shutdown hook so that no server outlives the JVM. A shared server cannot be
 * stopped and ignores {@link #close()}; its shutdown hook ends it. Public so that code driving either server (the
 * integration tests' admin helpers) can share what does not depend on which one it is; only these two extend it.
 */
public abstract class ManagedServer implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final ServerEngine engine;
    private final boolean shared;
    private final Thread shutdownHook;
    private boolean running;
    private boolean closed;

    ManagedServer(String name, ServerEngine engine, boolean shared) {
        this.name = name;
        this.engine = engine;
        this.shared = shared;
        this.shutdownHook = new Thread(this::destroy, "dualcred-" + name + "-shutdown");
    }

    /**
     * How many logins of {@code user} the server rejected for a wrong password since it was created.
     *
     * @param user the role or ACL user name
     * @return the number of rejected logins
     */
    public abstract long authenticationFailures(String user);

    /** @return true once the server accepts its admin user */
    abstract boolean acceptsAdmin() throws Exception;

    /** Runs before every stop, while the server still runs. */
    void beforeStop() {
    }

    /** The first start, at the end of the subclass's constructor; on failure, everything is cleaned up. */
    final synchronized void begin() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            startEngine();
        } catch (RuntimeException e) {
            destroy();
            removeShutdownHook();
            throw e;
        }
    }

    /** The engine that runs this server. */
    final ServerEngine engine() {
        return engine;
    }

    /** @return the host to connect to */
    public String host() {
        return engine.host();
    }

    /** @return the TCP port, the same across restarts */
    public int port() {
        return engine.port();
    }

    /** @return whether the server is running */
    public synchronized boolean isRunning() {
        return running;
    }

    /** Stops the server; connections fail until {@link #start()}. Not allowed on the shared server. */
    public synchronized void stop() {
        checkStoppable("stop");
        if (!running) {
            return;
        }
        try {
            beforeStop();
        } finally {
            running = false;
            engine.stop();
        }
    }

    /**
     * Starts a stopped server on the same port, with the users and passwords it had. Returns when the admin user
     * can log in. Does nothing if it runs. Not allowed on the shared server.
     */
    public synchronized void start() {
        checkStoppable("start");
        startEngine();
    }

    /** Stops and starts the server; see {@link #stop()} and {@link #start()}. */
    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the server and deletes its files. Does nothing on the shared server, which stops when the JVM exits. */
    @Override
    public void close() {
        if (shared) {
            return;
        }
        destroy();
        removeShutdownHook();
    }

    /** @return the server's log so far, across restarts (for diagnostics) */
    public String serverLog() {
        return engine.serverLog();
    }

    @Override
    public String toString() {
        return engine.toString();
    }

    private void startEngine() {
        if (running) {
            return;
        }
        engine.start();
        Support.await(name + " to accept its admin user on port " + engine.port(), READY_TIMEOUT, () -> {
            if (!engine.isAlive()) {
                throw new Support.GiveUp(name + " is not running.\n--- server log (tail) ---\n"
                        + Support.tail(engine.serverLog(), 30));
            }
            return acceptsAdmin();
        });
        running = true;
    }

    private synchronized void destroy() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        engine.destroy();
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran already
        }
    }

    private void checkStoppable(String action) {
        if (shared) {
            throw new IllegalStateException("cannot " + action + " the shared " + name + " server; start a private one");
        }
        if (closed) {
            throw new IllegalStateException("this " + name + " server is closed");
        }
    }
}
