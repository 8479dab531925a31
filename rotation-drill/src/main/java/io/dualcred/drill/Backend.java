package io.dualcred.drill;

/** The servers the drill knows how to rotate passwords on. */
enum Backend {
    POSTGRES("postgres", "PostgreSQL"),
    REDIS("redis", "Redis");

    private final String key;
    private final String displayName;

    Backend(String key, String displayName) {
        this.key = key;
        this.displayName = displayName;
    }

    /** @return the name used on the command line and in the JSON summary */
    String key() {
        return key;
    }

    /** @return the name shown to people */
    String displayName() {
        return displayName;
    }
}
