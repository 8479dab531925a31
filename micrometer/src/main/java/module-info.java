/**
 * Micrometer meters for dualcred pools: {@code io.dualcred.micrometer}.
 */
// Micrometer is resolved by its Automatic-Module-Name, which its authors keep stable.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.dualcred.micrometer {
    // RotationMetrics takes a RotationControl.
    requires transitive io.dualcred.rotation;
    // RotationMetrics is a MeterBinder and takes Tags.
    requires transitive micrometer.core;

    exports io.dualcred.micrometer;
}
