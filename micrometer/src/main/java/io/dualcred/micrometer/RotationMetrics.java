package io.dualcred.micrometer;

import io.dualcred.rotation.RotationControl;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Meters for the rotation of one dualcred pool, read from its {@link RotationControl#status()} whenever the registry
 * publishes. Every meter carries the tag {@code pool} (the pool name) plus any tags given here. Prometheus names in
 * brackets.
 *
 * <table>
 *   <caption>Counters (cumulative since the pool started)</caption>
 *   <tr><td>{@code dualcred.switches} [{@code dualcred_switches_total}]</td><td>changes of the credential new
 *       connections use: after a rejection, or when the source's new CURRENT replaces one the pool still used (a
 *       promotion it had not switched for, a rollback)</td></tr>
 *   <tr><td>{@code dualcred.promotions} [{@code dualcred_promotions_total}]</td>
 *       <td>promotions from NEXT to CURRENT of the credential the pool already used (no new login)</td></tr>
 *   <tr><td>{@code dualcred.logins.rejected} [{@code dualcred_logins_rejected_total}]</td>
 *       <td>logins the server rejected as an authentication failure</td></tr>
 *   <tr><td>{@code dualcred.all.rejected} [{@code dualcred_all_rejected_total}]</td>
 *       <td>rounds in which every credential was rejected</td></tr>
 *   <tr><td>{@code dualcred.source.loads} [{@code dualcred_source_loads_total}]</td>
 *       <td>reads of the credential source</td></tr>
 *   <tr><td>{@code dualcred.source.failures} [{@code dualcred_source_failures_total}]</td>
 *       <td>reads that failed (the last good credentials were kept)</td></tr>
 *   <tr><td>{@code dualcred.evictions} [{@code dualcred_evictions_total}]</td>
 *       <td>requests to replace the pool's connections</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Gauges</caption>
 *   <tr><td>{@code dualcred.active.slot} [{@code dualcred_active_slot}]</td>
 *       <td>0 while CURRENT is active, 1 while NEXT is</td></tr>
 *   <tr><td>{@code dualcred.generation} [{@code dualcred_generation}]</td>
 *       <td>the credential generation, raised by every switch</td></tr>
 *   <tr><td>{@code dualcred.last.switch.age} [{@code dualcred_last_switch_age_seconds}]</td>
 *       <td>seconds since the last switch; NaN before the first</td></tr>
 *   <tr><td>{@code dualcred.fallback.in.use} [{@code dualcred_fallback_in_use}]</td>
 *       <td>1 while the active credential is no longer listed by the source</td></tr>
 *   <tr><td>{@code dualcred.backing.off} [{@code dualcred_backing_off}]</td>
 *       <td>1 while logins back off because every credential was rejected</td></tr>
 *   <tr><td>{@code dualcred.source.failing} [{@code dualcred_source_failing}]</td>
 *       <td>1 while the last read of the source failed</td></tr>
 * </table>
 *
 * <p>No meter carries a credential; usernames are left out too, since they change with the alternating-users
 * strategy and would start new time series.
 */
public final class RotationMetrics implements MeterBinder {

    /** The tag that names the pool on every meter. */
    public static final String POOL_TAG = "pool";

    private final RotationControl control;
    private final Tags tags;

    /**
     * @param control the pool, e.g. a {@code DualCredentialDataSource} or {@code DualCredentialJedisPool.rotation()}
     */
    public RotationMetrics(RotationControl control) {
        this(control, Tags.empty());
    }

    /**
     * @param control the pool, e.g. a {@code DualCredentialDataSource} or {@code DualCredentialJedisPool.rotation()}
     * @param extraTags added to every meter, next to {@code pool}
     */
    public RotationMetrics(RotationControl control, Iterable<Tag> extraTags) {
        this.control = Objects.requireNonNull(control, "control");
        this.tags = Tags.of(POOL_TAG, control.poolName()).and(Objects.requireNonNull(extraTags, "extraTags"));
    }

    // name, description, count: one function counter each
    private static final List<Counted> COUNTERS = List.of(
            new Counted("dualcred.switches", "Changes of the active credential", RotationStatus.Counters::switches),
            new Counted("dualcred.promotions", "Changes of the source's CURRENT that the pool followed",
                    RotationStatus.Counters::promotions),
            new Counted("dualcred.logins.rejected", "Logins the server rejected as an authentication failure",
                    RotationStatus.Counters::rejectedLogins),
            new Counted("dualcred.all.rejected", "Rounds in which every credential was rejected",
                    RotationStatus.Counters::allRejectedRounds),
            new Counted("dualcred.source.loads", "Reads of the credential source", RotationStatus.Counters::sourceLoads),
            new Counted("dualcred.source.failures", "Reads of the credential source that failed",
                    RotationStatus.Counters::sourceFailures),
            new Counted("dualcred.evictions", "Requests to replace the pool's connections",
                    RotationStatus.Counters::evictions));

    private static final List<Gauged> GAUGES = List.of(
            new Gauged("dualcred.active.slot", "0 while CURRENT is active, 1 while NEXT is",
                    status -> status.activeSlot() == Slot.NEXT ? 1 : 0),
            new Gauged("dualcred.generation", "The credential generation, raised by every switch",
                    RotationStatus::generation),
            new Gauged("dualcred.fallback.in.use", "1 while the active credential is no longer listed by the source",
                    status -> status.fallbackInUse() ? 1 : 0),
            new Gauged("dualcred.backing.off", "1 while logins back off because every credential was rejected",
                    status -> status.backingOff() ? 1 : 0),
            new Gauged("dualcred.source.failing", "1 while the last read of the credential source failed",
                    status -> status.sourceFailing() ? 1 : 0));

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Counted counted : COUNTERS) {
            // Function counters hold this binder weakly; the gauges hold it strongly, so it lives as long as the
            // registry's meters do even when the caller keeps no reference (rotation() may answer a new object).
            FunctionCounter.builder(counted.name(), this,
                            metrics -> counted.count().applyAsDouble(metrics.control.status().counters()))
                    .description(counted.description())
                    .tags(tags)
                    .register(registry);
        }
        for (Gauged gauged : GAUGES) {
            Gauge.builder(gauged.name(), this, metrics -> gauged.value().applyAsDouble(metrics.control.status()))
                    .description(gauged.description())
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
        }
        // The switch time comes from the wall clock, so the age does too (not the registry's clock, which may be
        // a monotonic or test clock).
        TimeGauge.builder("dualcred.last.switch.age", this, TimeUnit.MILLISECONDS,
                        metrics -> metrics.control.status().lastSwitchTime()
                                .map(Instant::toEpochMilli)
                                .map(switched -> (double) Math.max(0, System.currentTimeMillis() - switched))
                                .orElse(Double.NaN))
                .description("Time since the last switch of the active credential")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    @Override
    public String toString() {
        return "RotationMetrics[" + control.poolName() + "]";
    }

    private record Counted(String name, String description, ToDoubleFunction<RotationStatus.Counters> count) {
    }

    private record Gauged(String name, String description, ToDoubleFunction<RotationStatus> value) {
    }
}
