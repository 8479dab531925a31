package io.dualcred.spring.boot;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The application's dualcred pools by name: the auto-configured DataSource and Redis pool and any other
 * {@link RotationControl} bean. What the health indicator, the endpoint and the meters read.
 *
 * @param byName the pools, in a stable order
 */
public record DualcredPools(Map<String, RotationControl> byName) {

    /** @param byName the pools; copied */
    public DualcredPools {
        byName = Map.copyOf(new LinkedHashMap<>(byName));
    }

    /**
     * A status as the actuator shows it: slots, usernames, revision, times and counters; never a password (the
     * status holds none).
     *
     * @param status a pool's status
     * @return its fields by name, absent values left out
     */
    static Map<String, Object> describe(RotationStatus status) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pool", status.poolName());
        fields.put("source", status.source());
        fields.put("activeSlot", status.activeSlot().name());
        fields.put("activeUsername", status.activeUsername());
        fields.put("fallbackInUse", status.fallbackInUse());
        fields.put("nextStaged", status.nextStaged());
        fields.put("sourceRevision", status.sourceRevision());
        fields.put("generation", status.generation());
        status.lastSwitchTime().ifPresent(time -> fields.put("lastSwitchTime", time.toString()));
        status.lastSwitchReason().ifPresent(reason -> fields.put("lastSwitchReason", reason));
        fields.put("backingOff", status.backingOff());
        status.backoffUntil().ifPresent(until -> fields.put("backoffUntil", until.toString()));
        if (!status.rejectedCredentials().isEmpty()) {
            // e.g. ["CURRENT app", "NEXT app"]: slots and usernames, never a password
            fields.put("rejectedCredentials", status.rejectedCredentials().stream()
                    .map(AllCredentialsRejectedException.Attempt::toString).toList());
        }
        fields.put("sourceFailing", status.sourceFailing());
        RotationStatus.Counters counters = status.counters();
        fields.put("counters", Map.of("switches", counters.switches(), "promotions", counters.promotions(),
                "rejectedLogins", counters.rejectedLogins(), "allRejectedRounds", counters.allRejectedRounds(),
                "sourceLoads", counters.sourceLoads(), "sourceFailures", counters.sourceFailures(),
                "evictions", counters.evictions()));
        return fields;
    }
}
