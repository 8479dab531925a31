package io.dualcred.testservers;

import java.nio.file.Path;

/**
 * A server run as a local process on a free port, with all its files (data, configuration, log) in one temporary
 * directory under {@code java.io.tmpdir}, deleted by {@link #destroy()}.
 */
abstract class LocalEngine implements ServerEngine {

    private final String name;
    private final String host;
    private final int port;
    final Path root;
    final Path logFile;

    LocalEngine(String name, String host, String logFileName) {
        this(name, host, Support.freePort(), logFileName);
    }

    /** As {@link #LocalEngine(String, String, String)}, on a port chosen by the caller. */
    LocalEngine(String name, String host, int port, String logFileName) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.root = Support.newTempDirectory("dualcred-" + name.toLowerCase(java.util.Locale.ROOT) + "-");
        this.logFile = root.resolve(logFileName);
    }

    @Override
    public final synchronized void destroy() {
        try {
            stop();
        } finally {
            Support.deleteTree(root);
        }
    }

    @Override
    public final String host() {
        return host;
    }

    @Override
    public final int port() {
        return port;
    }

    @Override
    public final String serverLog() {
        return Support.read(logFile);
    }

    /** The message for a failure to start or stop, with the end of the server's log. */
    final String failure(String what) {
        return "embedded " + name + " on port " + port + " " + what
                + "\n--- server log (tail) ---\n" + Support.tail(serverLog(), 30);
    }

    @Override
    public String toString() {
        return "embedded " + name + " on port " + port + " in " + root;
    }
}
