package io.dualcred.drill;

import java.util.List;

/**
 * The pools a drill puts side by side on one backend, each with its own user (and, except the fixed ones, its own
 * secret directory), all rotated at the same moment under the same load.
 */
enum Contender {
    /** Plain pool with the one password it was configured with, as most services run today. */
    FIXED("fixed", "plain pool, one fixed password"),
    /** A second, identical fixed pool: how much two identical pools differ is the run's noise. */
    FIXED_2("fixed-2", "a second fixed pool, the noise control"),
    /** The pool library's own credentials provider reading the store's CURRENT for every new connection. */
    PROVIDER("provider", "credentials provider reading CURRENT at every new connection"),
    /** PostgreSQL only: plain HikariCP plus a store watcher (setPassword + softEvictConnections on a change). */
    WATCHER("watcher", "store watcher: setPassword + softEvictConnections() on a change"),
    /** dualcred: its DataSource on PostgreSQL, its {@code RedisClient} on Redis. */
    DUALCRED("dualcred", "dualcred, reading CURRENT and NEXT from its secret directory"),
    /** Redis only: dualcred's {@code JedisPool} flavour. */
    DUALCRED_POOL("dualcred-pool", "dualcred's JedisPool flavour");

    private final String label;
    private final String description;

    Contender(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** @return the contenders drilled on {@code backend}, in the order the tables show them */
    static List<Contender> of(Backend backend) {
        return backend == Backend.POSTGRES ? List.of(FIXED, FIXED_2, PROVIDER, WATCHER, DUALCRED)
                : List.of(FIXED, FIXED_2, PROVIDER, DUALCRED, DUALCRED_POOL);
    }

    String label() {
        return label;
    }

    String description(Backend backend) {
        if (this == DUALCRED && backend == Backend.REDIS) {
            return "dualcred's RedisClient flavour, reading CURRENT and NEXT from its secret directory";
        }
        return description;
    }

    /** @return whether it is one of dualcred's pools */
    boolean dualcred() {
        return this == DUALCRED || this == DUALCRED_POOL;
    }

    /** @return whether it has only the password it was configured with (no secret directory) */
    boolean fixed() {
        return this == FIXED || this == FIXED_2;
    }
}
