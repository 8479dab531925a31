package io.dualcred.drill;

import java.time.Duration;

/**
 * How hard and how long to drill each backend.
 *
 * @param duration load per backend
 * @param threads load threads per client
 * @param poolSize connections per pool
 * @param rotations rotations per backend
 * @param connectionTimeout how long a caller waits for a connection, in both pools
 */
record DrillSettings(Duration duration, int threads, int poolSize, int rotations, Duration connectionTimeout) {

    /** @return the warm-up at the start of each backend's load, excluded from the windows */
    Duration warmup() {
        return Duration.ofMillis(Math.min(1_000, duration.toMillis() / 10));
    }

    /** @return when rotation {@code k} (from 1) starts, from the start of the load: spread evenly after warm-up */
    Duration rotationStart(int k) {
        Duration steady = duration.minus(warmup());
        return warmup().plus(steady.multipliedBy(k).dividedBy(rotations + 1));
    }

    /** @return the sampling period of the chart: about 80 points per run, between 100 and 250 ms */
    Duration samplePeriod() {
        return Duration.ofMillis(Math.max(100, Math.min(250, duration.toMillis() / 80)));
    }
}
