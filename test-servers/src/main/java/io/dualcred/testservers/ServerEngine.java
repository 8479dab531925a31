package io.dualcred.testservers;

/** Runs one server, as a local process or a container, on a port that stays the same across restarts. */
interface ServerEngine {

    /** Starts the server, or starts it again with the same port and data after {@link #stop()}. */
    void start();

    /** Stops the server, keeping its data for a later {@link #start()}. */
    void stop();

    /** Stops the server if it runs and deletes everything it stored. */
    void destroy();

    /** @return whether the server runs (false after {@link #stop()} or once it died) */
    boolean isAlive();

    String host();

    int port();

    /** @return everything the server has logged so far, across restarts */
    String serverLog();
}
