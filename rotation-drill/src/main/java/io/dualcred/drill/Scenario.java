package io.dualcred.drill;

/** The two orders in which a rotation reaches the pools. */
enum Scenario {
    /**
     * The runbook's order: stage NEXT, change the password on the server, promote NEXT in the store after the store's
     * delay, verify on the server that no session from before the change is left, revoke (terminate those that
     * are). No pool needs a new login before the promotion.
     */
    RUNBOOK("runbook", "stage NEXT, change the server, promote after the store delay, verify, revoke"),
    /**
     * The gap: as the runbook, but right after the server change the pools' connections expire (as
     * {@code maxLifetime} or idle eviction retire them), so every pool must log in again while the store still
     * lists the old password as CURRENT.
     */
    GAP("gap", "stage NEXT, change the server, connections expire, promote after the store delay, verify, revoke");

    private final String key;
    private final String summary;

    Scenario(String key, String summary) {
        this.key = key;
        this.summary = summary;
    }

    /** @return the name on the command line and in the JSON */
    String key() {
        return key;
    }

    String summary() {
        return summary;
    }
}
