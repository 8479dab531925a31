package io.dualcred.spring.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/dualcred}: every pool's rotation status (GET), and the two operator actions (POST
 * {@code /actuator/dualcred/refresh} re-reads every pool's credential source now; POST
 * {@code /actuator/dualcred/evict} makes every pool replace its connections, so that they log in again with the
 * active credential). Expose it like any endpoint ({@code management.endpoints.web.exposure.include}) and secure its
 * write operations as the application secures other actuator writes.
 */
@Endpoint(id = "dualcred")
public class DualcredEndpoint {

    private final DualcredPools pools;

    /** @param pools the application's pools */
    public DualcredEndpoint(DualcredPools pools) {
        this.pools = pools;
    }

    /** @return each pool's status, by pool name */
    @ReadOperation
    public Map<String, Object> pools() {
        Map<String, Object> statuses = new TreeMap<>();
        pools.byName().forEach((name, pool) -> statuses.put(name, DualcredPools.describe(pool.status())));
        return Map.of("pools", statuses);
    }

    /**
     * @param action {@code refresh} or {@code evict}
     * @return each pool's status afterwards
     */
    @WriteOperation
    public Map<String, Object> act(@Selector String action) {
        Map<String, Object> after = new LinkedHashMap<>();
        switch (action) {
            case "refresh" -> pools.byName().forEach((name, pool) -> after.put(name,
                    DualcredPools.describe(pool.refresh())));
            case "evict" -> pools.byName().forEach((name, pool) -> {
                pool.evictConnections();
                after.put(name, DualcredPools.describe(pool.status()));
            });
            default -> throw new InvalidEndpointRequestException("unknown action '" + action
                    + "': use refresh or evict", "unknown action");
        }
        return Map.of("action", action, "pools", after);
    }
}
