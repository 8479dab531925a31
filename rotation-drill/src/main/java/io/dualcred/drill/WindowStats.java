package io.dualcred.drill;

import org.HdrHistogram.Histogram;

/**
 * One client's numbers over one window (or the whole run).
 *
 * @param ops operations completed, failed ones included
 * @param failed operations that threw
 * @param seconds how long the window lasted
 * @param okPerSecond successful operations per second
 * @param p50Ms median latency of every operation, in milliseconds ({@code NaN} without operations)
 * @param p99Ms 99th percentile
 * @param maxMs the slowest operation
 */
record WindowStats(long ops, long failed, double seconds, double okPerSecond, double p50Ms, double p99Ms,
                   double maxMs) {

    static WindowStats of(long succeeded, long failed, double seconds, Histogram latencyMicros) {
        boolean empty = latencyMicros.getTotalCount() == 0;
        return new WindowStats(succeeded + failed, failed, seconds, seconds > 0 ? succeeded / seconds : 0,
                empty ? Double.NaN : latencyMicros.getValueAtPercentile(50) / 1000.0,
                empty ? Double.NaN : latencyMicros.getValueAtPercentile(99) / 1000.0,
                empty ? Double.NaN : latencyMicros.getMaxValue() / 1000.0);
    }
}
