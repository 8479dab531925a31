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
    /** dualcred: its DataSource on PostgreSQL, its {@code RedisClient} family on Redis. */
    DUALCRED("dualcred", "dualcred, reading CURRENT and NEXT from its secret directory"),
    /** Redis only: dualcred's legacy-pool flavour ({@code JedisPool}, {@code JedisSentinelPool}, {@code JedisCluster}). */
    DUALCRED_POOL("dualcred-pool", "dualcred's legacy-pool flavour");

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

    /** @param topology {@code single}, {@code sentinel} or {@code cluster}, as {@link ServerTarget#topology()} */
    String description(Backend backend, String topology) {
        if (backend != Backend.REDIS || !dualcred()) {
            return description;
        }
        String flavour = switch (topology) {
            case "sentinel" -> this == DUALCRED ? "RedisSentinelClient" : "JedisSentinelPool";
            case "cluster" -> this == DUALCRED ? "RedisClusterClient" : "JedisCluster";
            default -> this == DUALCRED ? "RedisClient" : "JedisPool";
        };
        return "dualcred's " + flavour + " flavour, reading CURRENT and NEXT from its secret directory";
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
