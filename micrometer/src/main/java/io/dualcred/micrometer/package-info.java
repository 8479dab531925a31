/**
 * Micrometer meters for the rotation of any dualcred pool: bind a {@link io.dualcred.micrometer.RotationMetrics} per
 * pool to a {@code MeterRegistry}. The meter names are listed on {@link io.dualcred.micrometer.RotationMetrics}.
 */
package io.dualcred.micrometer;
