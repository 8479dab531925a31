package io.dualcred.drill;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Cuts the run of one backend into samples (for the chart) and windows (for the table). A sampler thread calls
 * {@link #sample()} on a fixed period; the rotation calls {@link #enter(Window)} at its steps, which first takes a
 * sample so that windows begin and end exactly at the steps.
 */
final class Timeline {

    /**
     * What one client did during one sample period.
     *
     * @param atSeconds the end of the period, from the start of the load
     * @param periodSeconds the period's length
     * @param succeeded successful operations in the period
     * @param failed failed operations in the period
     * @param p50Ms median latency ({@code NaN} without operations)
     * @param p99Ms 99th percentile latency
     * @param maxMs the slowest operation
     * @param window the window the period belongs to
     */
    record Sample(double atSeconds, double periodSeconds, long succeeded, long failed, double p50Ms, double p99Ms,
                  double maxMs, Window window) {
    }

    private static final class Track {
        final ClientMeter meter;
        final List<Sample> samples = new ArrayList<>();
        final Map<Window, Histogram> latency = new EnumMap<>(Window.class);
        final Map<Window, long[]> counts = new EnumMap<>(Window.class);
        final Histogram total = new Histogram(3);
        long lastSucceeded;
        long lastFailed;

        Track(ClientMeter meter) {
            this.meter = meter;
        }
    }

    private final long startNanos;
    private final Map<String, Track> tracks = new LinkedHashMap<>();
    private final Map<Window, Long> windowNanos = new EnumMap<>(Window.class);
    private Window window = Window.WARMUP;
    private long lastSampleNanos;
    private boolean finished;

    Timeline(List<ClientMeter> meters) {
        meters.forEach(meter -> tracks.put(meter.label(), new Track(meter)));
        this.startNanos = System.nanoTime();
        this.lastSampleNanos = startNanos;
    }

    /** @return seconds since the load started */
    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    synchronized Window window() {
        return window;
    }

    /**
     * Closes the current sample period, unless it is shorter than {@code minimumNanos}: a sampler thread that was
     * held up by a busy machine must not produce slivers whose rates mean nothing.
     */
    synchronized void sampleIfDue(long minimumNanos) {
        if (System.nanoTime() - lastSampleNanos >= minimumNanos) {
            sample();
        }
    }

    /** Closes the current sample period. */
    synchronized void sample() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        double at = (now - startNanos) / 1e9;
        double period = (now - lastSampleNanos) / 1e9;
        windowNanos.merge(window, now - lastSampleNanos, Long::sum);
        lastSampleNanos = now;
        for (Track track : tracks.values()) {
            Histogram interval = track.meter.takeInterval();
            long succeeded = track.meter.succeeded();
            long failed = track.meter.failed();
            long newSucceeded = succeeded - track.lastSucceeded;
            long newFailed = failed - track.lastFailed;
            track.lastSucceeded = succeeded;
            track.lastFailed = failed;
            boolean empty = interval.getTotalCount() == 0;
            track.samples.add(new Sample(at, period, newSucceeded, newFailed,
                    empty ? Double.NaN : interval.getValueAtPercentile(50) / 1000.0,
                    empty ? Double.NaN : interval.getValueAtPercentile(99) / 1000.0,
                    empty ? Double.NaN : interval.getMaxValue() / 1000.0, window));
            track.latency.computeIfAbsent(window, w -> new Histogram(3)).add(interval);
            long[] counts = track.counts.computeIfAbsent(window, w -> new long[2]);
            counts[0] += newSucceeded;
            counts[1] += newFailed;
            track.total.add(interval);
            track.meter.recycle(interval);
        }
    }

    /** Ends the current window at this instant and starts {@code next}. */
    synchronized void enter(Window next) {
        sample();
        window = next;
    }

    /** Takes the last sample; call once the load threads have stopped. */
    synchronized void finish() {
        sample();
        finished = true;
    }

    synchronized List<Sample> samples(String client) {
        return List.copyOf(track(client).samples);
    }

    /** @return the client's numbers in a window; zeros when the run never entered it */
    synchronized WindowStats stats(String client, Window w) {
        Track track = track(client);
        long[] counts = track.counts.getOrDefault(w, new long[2]);
        Histogram latency = track.latency.getOrDefault(w, new Histogram(3));
        return WindowStats.of(counts[0], counts[1], windowNanos.getOrDefault(w, 0L) / 1e9, latency);
    }

    /** @return the client's numbers over the whole run */
    synchronized WindowStats total(String client) {
        Track track = track(client);
        long nanos = windowNanos.values().stream().mapToLong(Long::longValue).sum();
        return WindowStats.of(track.lastSucceeded, track.lastFailed, nanos / 1e9, track.total);
    }

    /** @return the client's latest sample, if any */
    synchronized Sample latest(String client) {
        List<Sample> samples = track(client).samples;
        return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }

    private Track track(String client) {
        Track track = tracks.get(client);
        if (track == null) {
            throw new IllegalArgumentException("no client " + client);
        }
        return track;
    }
}
