package io.dualcred.drill;

import io.dualcred.rotation.RotationConfig;
import java.time.Duration;
import java.util.List;

/**
 * How hard and how long to drill each backend, and what the operator does.
 *
 * @param steady steady load measured before each rotation (the throughput baseline)
 * @param threads load threads per contender
 * @param poolSize connections per pool
 * @param connectionTimeout how long a caller waits for a connection, in every pool
 * @param storeDelay from the server change (in the gap scenario: from the end of the expiry) to the promotion
 * @param evict whether the operator calls each contender's eviction right after the server change
 * @param scenarios the scenarios to run on each backend, in order
 */
record DrillSettings(Duration steady, int threads, int poolSize, Duration connectionTimeout, Duration storeDelay,
                     boolean evict, List<Scenario> scenarios) {

    /** The chart's and the dip's slice. */
    static final Duration SLICE = Duration.ofMillis(250);

    /** @return the warm-up at the start of each scenario's load, excluded from the windows */
    Duration warmup() {
        return Duration.ofMillis(Math.min(1_000, steady.toMillis() / 2));
    }

    /** What the runbook's wait before the fleet check allows beyond the replacement window: one login and slack. */
    static final Duration VERIFY_MARGIN = Duration.ofSeconds(3);

    /**
     * @return how long the operator waits after the promotion for the sessions opened before the change to go, before
     *     revoking anyway: as the runbook says (9.1, 9.2), the replacement window dualcred paces its replacements
     *     over, with the defaults users get, plus {@link #VERIFY_MARGIN}; the same for every contender
     */
    Duration verifyLimit() {
        return RotationConfig.ofDefaults().replacementWindow().plus(VERIFY_MARGIN);
    }

    /** @return the load after the revocation: a pool that must log in again meets the rejection and times out */
    Duration after() {
        return connectionTimeout.plusSeconds(1).compareTo(Duration.ofSeconds(3)) > 0
                ? connectionTimeout.plusSeconds(1) : Duration.ofSeconds(3);
    }
}
