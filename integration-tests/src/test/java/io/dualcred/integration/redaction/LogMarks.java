package io.dualcred.integration.redaction;

import java.util.List;

/**
 * Phrases of the library's log lines that the suite-wide check counts, to show that the capture saw the rotations,
 * rejections and source failures it claims to have scanned.
 */
public final class LogMarks {

    /** Logged by the engine at every switch. */
    public static final String SWITCHED = "switched credentials";
    /** Logged by the engine when every credential was rejected. */
    public static final String ALL_REJECTED = "rejected every credential";
    /** Logged by the engine when the source cannot be read. */
    public static final String SOURCE_FAILED = "cannot read credential source";

    /** The prefix of pgjdbc's logger names; its lines reach the capture through the JUL bridge. */
    public static final String PGJDBC_LOGGERS = "org.postgresql.";

    static final List<String> ALL = List.of(SWITCHED, ALL_REJECTED, SOURCE_FAILED);

    private LogMarks() {
    }
}
