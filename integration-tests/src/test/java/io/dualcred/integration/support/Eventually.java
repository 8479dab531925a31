package io.dualcred.integration.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.awaitility.core.ConditionFactory;

/** Awaiting conditions, checked from the start and then every 10 ms, so that waiting costs no extra time. */
public final class Eventually {

    /** How long a condition that should hold within seconds is given on a busy two-core machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private Eventually() {
    }

    /**
     * @param what describes the condition, for the failure message
     * @return a condition factory with {@link #PATIENCE}
     */
    public static ConditionFactory eventually(String what) {
        return within(what, PATIENCE);
    }

    /**
     * @param what describes the condition, for the failure message
     * @param limit how long the condition is given
     * @return a condition factory
     */
    public static ConditionFactory within(String what, Duration limit) {
        return await(what).atMost(limit).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }
}
