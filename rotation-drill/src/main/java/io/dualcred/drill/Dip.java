package io.dualcred.drill;

import java.time.Duration;
import java.util.List;

/**
 * How far a pool's throughput fell during a rotation: the lowest successful ops/s in any slice from the server
 * change on, divided by the median slice before it. 1 means it did not fall; 0 means a slice with no successful
 * operation at all.
 */
final class Dip {

    private Dip() {
    }

    /**
     * @param samples one contender's slices, in order
     * @param slice the slice length; shorter slices (cut at the operator's steps) are left out
     * @return the dip, or {@code NaN} when there is no full slice before or during the rotation
     */
    static double of(List<Timeline.Sample> samples, Duration slice) {
        double full = slice.toNanos() / 1e9 * 0.8;
        double[] before = samples.stream().filter(s -> s.window() == Window.BEFORE && s.periodSeconds() >= full)
                .mapToDouble(Dip::rate).sorted().toArray();
        double lowest = samples.stream()
                .filter(s -> (s.window() == Window.DURING || s.window() == Window.AFTER) && s.periodSeconds() >= full)
                .mapToDouble(Dip::rate).min().orElse(Double.NaN);
        if (before.length == 0 || Double.isNaN(lowest)) {
            return Double.NaN;
        }
        double median = before.length % 2 == 1 ? before[before.length / 2]
                : (before[before.length / 2 - 1] + before[before.length / 2]) / 2;
        return median > 0 ? lowest / median : Double.NaN;
    }

    private static double rate(Timeline.Sample sample) {
        return sample.succeeded() / sample.periodSeconds();
    }
}
