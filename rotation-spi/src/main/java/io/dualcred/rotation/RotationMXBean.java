package io.dualcred.rotation;

/**
 * The JMX view of a pool's rotation state, registered as {@code io.dualcred:type=Rotation,name=<pool>} when the
 * connector's pool registers MBeans. Attributes mirror {@link RotationStatus}; none shows a password.
 */
public interface RotationMXBean {

    /** @return the pool name */
    String getPoolName();

    /** @return the source's description */
    String getSource();

    /** @return {@code CURRENT} or {@code NEXT} */
    String getActiveSlot();

    /** @return the username new connections use */
    String getActiveUsername();

    /** @return whether the source holds a NEXT credential */
    boolean isNextStaged();

    /** @return whether new logins use the last accepted credential because the source lists none the server takes */
    boolean isFallbackInUse();

    /** @return the source revision in use */
    String getSourceRevision();

    /** @return the credential generation */
    long getGeneration();

    /** @return ISO-8601 time of the last switch, or an empty string */
    String getLastSwitchTime();

    /** @return why the engine last switched, or an empty string */
    String getLastSwitchReason();

    /** @return whether logins currently fail fast because every credential was rejected */
    boolean isBackingOff();

    /** @return whether the last read of the source failed */
    boolean isSourceFailing();

    /** @return credential switches since start */
    long getSwitches();

    /** @return rejected logins since start */
    long getRejectedLogins();

    /** @return rounds in which every credential was rejected */
    long getAllRejectedRounds();

    /** @return reads of the source since start */
    long getSourceLoads();

    /** @return failed reads of the source since start */
    long getSourceFailures();

    /** @return eviction requests since start */
    long getEvictions();

    /** Re-reads the source now. */
    void refresh();

    /** Replaces every open connection, make before break; see {@link RotationControl#evictConnections()}. */
    void evictConnections();
}
