package io.dualcred.redis.internal;

import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.spi.RotationEngine;
import java.util.Objects;
import java.util.Optional;

/**
 * The two engines of a Sentinel client: one for the data nodes' credentials, one for the Sentinels' own when they
 * have any.
 *
 * @param data the data nodes' engine
 * @param sentinels the Sentinels' engine, or {@code null}
 */
public record SentinelEngines(RotationEngine data, RotationEngine sentinels) {

    /**
     * @param data the data nodes' engine
     * @param sentinels the Sentinels' engine, or {@code null}
     */
    public SentinelEngines {
        Objects.requireNonNull(data, "data");
    }

    /** @return the Sentinels' rotation controls, when they have credentials */
    public Optional<RotationControl> sentinelControl() {
        return Optional.ofNullable(sentinels).map(RotationEngine::control);
    }

    /** Closes both engines. */
    public void close() {
        try {
            data.close();
        } finally {
            if (sentinels != null) {
                sentinels.close();
            }
        }
    }
}
