package io.dualcred.rotation.spi;

import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationMXBean;
import java.time.Instant;

/** The JMX face of one engine: what {@link RotationControl} offers, as MXBean attributes and operations. */
final class RotationJmx implements RotationMXBean {

    private final RotationControl control;

    RotationJmx(RotationControl control) {
        this.control = control;
    }

    @Override
    public String getPoolName() {
        return control.poolName();
    }

    @Override
    public String getSource() {
        return control.status().source();
    }

    @Override
    public String getActiveSlot() {
        return control.status().activeSlot().name();
    }

    @Override
    public String getActiveUsername() {
        return control.status().activeUsername();
    }

    @Override
    public boolean isNextStaged() {
        return control.status().nextStaged();
    }

    @Override
    public boolean isFallbackInUse() {
        return control.status().fallbackInUse();
    }

    @Override
    public String getSourceRevision() {
        return control.status().sourceRevision();
    }

    @Override
    public long getGeneration() {
        return control.status().generation();
    }

    @Override
    public String getLastSwitchTime() {
        return control.status().lastSwitchTime().map(Instant::toString).orElse("");
    }

    @Override
    public String getLastSwitchReason() {
        return control.status().lastSwitchReason().orElse("");
    }

    @Override
    public boolean isBackingOff() {
        return control.status().backingOff();
    }

    @Override
    public boolean isSourceFailing() {
        return control.status().sourceFailing();
    }

    @Override
    public long getSwitches() {
        return control.status().counters().switches();
    }

    @Override
    public long getRejectedLogins() {
        return control.status().counters().rejectedLogins();
    }

    @Override
    public long getAllRejectedRounds() {
        return control.status().counters().allRejectedRounds();
    }

    @Override
    public long getSourceLoads() {
        return control.status().counters().sourceLoads();
    }

    @Override
    public long getSourceFailures() {
        return control.status().counters().sourceFailures();
    }

    @Override
    public long getEvictions() {
        return control.status().counters().evictions();
    }

    @Override
    public void refresh() {
        control.refresh();
    }

    @Override
    public void evictConnections() {
        control.evictConnections();
    }
}
