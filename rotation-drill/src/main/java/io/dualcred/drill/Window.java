package io.dualcred.drill;

/** The parts of a backend's run that the table compares. */
enum Window {
    /** Pools fill and the JIT warms up; counted in the totals only. */
    WARMUP("warm-up"),
    /** Steady load before the first password change on the server. */
    BEFORE("before"),
    /** From a password change on the server until its revocation step starts. */
    DURING("during"),
    /** From a revocation on: the old sessions are terminated and the plain pool meets new logins. */
    AFTER("after"),
    /** The load was told to stop; the last operations finish (a plain pool's may wait a connection timeout). */
    STOPPING("stopping");

    private final String label;

    Window(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
