package io.dualcred.drill;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) with, per backend, a
 * latency chart and a throughput chart over time marking the rotation steps, the table and the steps' details.
 */
final class HtmlReport {

    private static final String PLAIN = "#e8590c";
    private static final String DUALCRED = "#1c7ed6";
    private static final String FAILED = "#c92a2a";
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 280;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 36;
    private static final int BOTTOM = 36;

    private HtmlReport() {
    }

    static String render(Results.Drill drill) {
        Results.Run run = drill.run();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>dualcred rotation drill</title>\n<style>\n").append(STYLE).append("</style>\n")
                .append("</head>\n<body>\n<h1>dualcred rotation drill</h1>\n");
        html.append("<p class=\"meta\">Started ").append(escape(run.started().toString())).append(" &middot; ")
                .append(Text.rate(run.durationSeconds())).append(" s of load per backend &middot; ")
                .append(run.threads()).append(" threads per pool &middot; pool size ").append(run.poolSize())
                .append(" &middot; connection timeout ").append(run.connectionTimeoutMillis()).append(" ms &middot; ")
                .append(run.rotations()).append(" rotation(s) &middot; ").append(run.cores()).append(" cores, Java ")
                .append(escape(run.java())).append(", ").append(escape(run.os())).append("</p>\n");
        html.append("<p>Each backend runs a <b class=\"plain\">plain pool</b> (one fixed password, as services are "
                + "configured today) and a <b class=\"dualcred\">dualcred pool</b> (CURRENT and NEXT from a secret "
                + "store) side by side, under the same continuous load against the same server, while the runbook "
                + "rotates the passwords of both pools' users. Latency counts every operation, failed ones "
                + "too.</p>\n");
        for (Results.BackendRun backend : drill.backends()) {
            section(html, backend, run);
        }
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    private static void section(StringBuilder html, Results.BackendRun run, Results.Run settings) {
        html.append("<section>\n<h2>").append(run.backend().displayName()).append(" <span class=\"")
                .append(run.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span></h2>\n");
        html.append("<p class=\"meta\">").append(escape(run.server())).append(" &middot; plain user <code>")
                .append(escape(run.plain().user())).append("</code> &middot; dualcred user <code>")
                .append(escape(run.dualcred().user())).append("</code></p>\n");
        if (!run.passed()) {
            html.append("<p class=\"problems\">").append(escape(String.join("; ", run.problems()))).append("</p>\n");
        }
        html.append(headline(run));
        List<Span> spans = spans(run.dualcred().samples());
        List<Series> latency = List.of(
                new Series("plain p99", PLAIN, false, points(run.plain(), Timeline.Sample::p99Ms)),
                new Series("plain max", PLAIN, true, points(run.plain(), Timeline.Sample::maxMs)),
                new Series("dualcred p99", DUALCRED, false, points(run.dualcred(), Timeline.Sample::p99Ms)),
                new Series("dualcred max", DUALCRED, true, points(run.dualcred(), Timeline.Sample::maxMs)));
        html.append("<figure>\n").append(chart("Latency per " + periodLabel(settings) + " (log scale)", latency, true,
                run, spans)).append("</figure>\n");
        double minimum = settings.samplePeriodMillis() / 1000.0 * 0.8;
        List<Series> throughput = List.of(
                new Series("plain ok ops/s", PLAIN, false, rates(run.plain(), minimum, Timeline.Sample::succeeded)),
                new Series("dualcred ok ops/s", DUALCRED, false,
                        rates(run.dualcred(), minimum, Timeline.Sample::succeeded)),
                new Series("plain failed ops/s", FAILED, true, rates(run.plain(), minimum, Timeline.Sample::failed)),
                new Series("dualcred failed ops/s", "#862e9c", true,
                        rates(run.dualcred(), minimum, Timeline.Sample::failed)));
        html.append("<figure>\n").append(chart("Operations per second", throughput, false, run, spans))
                .append("</figure>\n");
        html.append("<pre class=\"table\">").append(escape(ConsoleReport.table(run, settings))).append("</pre>\n");
        html.append("<h3>Rotation steps</h3>\n<ol class=\"steps\">\n");
        for (Results.Step step : run.steps()) {
            html.append("<li value=\"").append(step.number()).append("\"><b>").append(escape(step.name()))
                    .append("</b> <span class=\"t\">at ").append(String.format(Locale.ROOT, "%.2f", step.atSeconds()))
                    .append(" s</span><br>").append(escape(step.detail())).append("</li>\n");
        }
        html.append("</ol>\n");
        for (Results.Client client : List.of(run.plain(), run.dualcred())) {
            if (client.failures().isEmpty()) {
                continue;
            }
            html.append("<h3>").append(client.label()).append(" failures</h3>\n<table class=\"failures\">")
                    .append("<tr><th>kind</th><th>count</th><th>first message</th></tr>\n");
            for (Results.FailureKind failure : client.failures()) {
                html.append("<tr><td>").append(escape(failure.kind())).append("</td><td class=\"n\">")
                        .append(Text.count(failure.count())).append("</td><td>").append(escape(failure.example()))
                        .append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        if (!run.dualcred().events().isEmpty()) {
            html.append("<p class=\"meta\">dualcred events: ");
            List<String> events = new ArrayList<>();
            run.dualcred().events().forEach((name, count) -> events.add(escape(name) + " &times; " + count));
            html.append(String.join(", ", events)).append("</p>\n");
        }
        html.append("</section>\n");
    }

    private static String headline(Results.BackendRun run) {
        return "<div class=\"cards\">"
                + card("plain failed ops", Text.count(run.plain().total().failed()), "plain")
                + card("dualcred failed ops", Text.count(run.dualcred().total().failed()), "dualcred")
                + card("dualcred switched after the change", ConsoleReport.switchTimes(run.dualcred()), "dualcred")
                + card("rejected logins plain / dualcred", count(run.plain()) + " / " + count(run.dualcred()), "")
                + card("throughput dualcred / plain", Text.ratio(run.throughputRatio()), "")
                + "</div>\n";
    }

    private static String count(Results.Client client) {
        return client.rejectedLogins().isPresent() ? Text.count(client.rejectedLogins().getAsLong()) : "n/a";
    }

    private static String card(String label, String value, String kind) {
        return "<div class=\"card " + kind + "\"><div class=\"v\">" + escape(value) + "</div><div class=\"l\">"
                + escape(label) + "</div></div>";
    }

    private static String periodLabel(Results.Run settings) {
        return settings.samplePeriodMillis() + " ms";
    }

    /** A line on a chart; NaN values break it. */
    private record Series(String name, String color, boolean dashed, List<double[]> points) {
    }

    /**
     * Operations per second, over periods of at least {@code minimumSeconds}: the short periods cut at rotation
     * steps are merged with their neighbours, so that a handful of operations in a few milliseconds does not
     * show as a spike.
     */
    private static List<double[]> rates(Results.Client client, double minimumSeconds,
                                        ToLongFunction<Timeline.Sample> count) {
        List<double[]> points = new ArrayList<>();
        double start = -1;
        double seconds = 0;
        long total = 0;
        for (Timeline.Sample sample : client.samples()) {
            if (start < 0) {
                start = sample.atSeconds() - sample.periodSeconds();
            }
            seconds += sample.periodSeconds();
            total += count.applyAsLong(sample);
            if (seconds >= minimumSeconds) {
                points.add(new double[] {start + seconds / 2, total / seconds});
                start = -1;
                seconds = 0;
                total = 0;
            }
        }
        if (seconds > 0) {
            points.add(new double[] {start + seconds / 2, total / seconds});
        }
        return points;
    }

    /** Dots on the latency chart where a client's operations failed. */
    private static List<double[]> failureDots(Results.Client client) {
        List<double[]> dots = new ArrayList<>();
        for (Timeline.Sample sample : client.samples()) {
            if (sample.failed() > 0 && !Double.isNaN(sample.maxMs())) {
                dots.add(new double[] {sample.atSeconds() - sample.periodSeconds() / 2, sample.maxMs(),
                        sample.failed()});
            }
        }
        return dots;
    }

    /** A stretch of time in one window, shaded on the charts. */
    private record Span(Window window, double from, double to) {
    }

    private static List<double[]> points(Results.Client client, ToDoubleFunction<Timeline.Sample> value) {
        List<double[]> points = new ArrayList<>();
        for (Timeline.Sample sample : client.samples()) {
            points.add(new double[] {sample.atSeconds() - sample.periodSeconds() / 2, value.applyAsDouble(sample)});
        }
        return points;
    }

    private static List<Span> spans(List<Timeline.Sample> samples) {
        List<Span> spans = new ArrayList<>();
        for (Timeline.Sample sample : samples) {
            double from = sample.atSeconds() - sample.periodSeconds();
            Span last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
            if (last != null && last.window() == sample.window()) {
                spans.set(spans.size() - 1, new Span(last.window(), last.from(), sample.atSeconds()));
            } else {
                spans.add(new Span(sample.window(), from, sample.atSeconds()));
            }
        }
        return spans;
    }

    private static String chart(String title, List<Series> series, boolean log, Results.BackendRun run,
                                List<Span> spans) {
        double seconds = Math.max(run.seconds(), 0.001);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Series line : series) {
            for (double[] point : line.points()) {
                if (!Double.isNaN(point[1]) && (!log || point[1] > 0)) {
                    min = Math.min(min, point[1]);
                    max = Math.max(max, point[1]);
                }
            }
        }
        double low;
        double high;
        if (log) {
            low = min == Double.MAX_VALUE ? 0.1 : Math.pow(10, Math.floor(Math.log10(Math.max(min, 0.001))));
            high = Math.pow(10, Math.ceil(Math.log10(Math.max(max, low * 10))));
        } else {
            low = 0;
            high = niceCeiling(Math.max(max, 1));
        }
        Scale scale = new Scale(seconds, low, high, log);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" role=\"img\" aria-label=\"").append(escape(title)).append("\">\n");
        svg.append("<text x=\"").append(LEFT).append("\" y=\"16\" class=\"title\">").append(escape(title))
                .append("</text>\n");
        for (Span span : spans) {
            boolean idle = span.window() == Window.WARMUP || span.window() == Window.STOPPING;
            if (idle || span.window() == Window.DURING) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                        + "class=\"%s\"><title>%s</title></rect>%n",
                        scale.x(span.from()), TOP, Math.max(1, scale.x(span.to()) - scale.x(span.from())),
                        HEIGHT - TOP - BOTTOM, idle ? "warmup" : "during",
                        span.window().label()));
            }
        }
        // y grid and labels
        List<Double> ticks = new ArrayList<>();
        if (log) {
            for (double tick = low; tick <= high * 1.0001; tick *= 10) {
                ticks.add(tick);
            }
        } else {
            for (int i = 0; i <= 4; i++) {
                ticks.add(high * i / 4);
            }
        }
        for (double tick : ticks) {
            double y = scale.y(tick);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" class=\"axis\" text-anchor=\"end\">%s</text>%n", LEFT, WIDTH - RIGHT,
                    y, y, LEFT - 6, y + 4, escape(log ? latencyLabel(tick) : Text.rate(tick))));
        }
        // x axis
        double step = niceStep(seconds / 10);
        for (double t = 0; t <= seconds + 1e-9; t += step) {
            double x = scale.x(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"tick\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s s</text>%n", x, x,
                    HEIGHT - BOTTOM, HEIGHT - BOTTOM + 5, x, HEIGHT - BOTTOM + 18, trim(t)));
        }
        // rotation steps: one dashed line each; steps too close to tell apart share one label ("2-6")
        List<Results.Step> group = new ArrayList<>();
        for (Results.Step s : run.steps()) {
            double x = scale.x(s.atSeconds());
            svg.append(String.format(Locale.ROOT, "<g class=\"step\"><title>%s</title><line x1=\"%.1f\" x2=\"%.1f\" "
                    + "y1=\"%d\" y2=\"%d\"/></g>%n", escape(s.number() + " " + s.name() + ": " + s.detail()), x, x,
                    TOP, HEIGHT - BOTTOM));
            if (!group.isEmpty() && x - scale.x(group.get(0).atSeconds()) > 26) {
                svg.append(stepLabel(group, scale));
                group.clear();
            }
            group.add(s);
        }
        if (!group.isEmpty()) {
            svg.append(stepLabel(group, scale));
        }
        for (Series line : series) {
            StringBuilder path = new StringBuilder();
            boolean open = false;
            for (double[] point : line.points()) {
                double value = point[1];
                if (Double.isNaN(value) || (log && value <= 0)) {
                    open = false;
                    continue;
                }
                path.append(String.format(Locale.ROOT, "%s%.1f %.1f ", open ? "L" : "M", scale.x(point[0]),
                        scale.y(Math.min(Math.max(value, low), high))));
                open = true;
            }
            svg.append("<path d=\"").append(path.toString().trim()).append("\" fill=\"none\" stroke=\"")
                    .append(line.color()).append("\" stroke-width=\"").append(line.dashed() ? "1.2" : "2")
                    .append('"').append(line.dashed() ? " stroke-dasharray=\"4 3\" opacity=\"0.8\"" : "")
                    .append("><title>").append(escape(line.name())).append("</title></path>\n");
        }
        if (log) {
            for (Results.Client client : List.of(run.plain(), run.dualcred())) {
                String color = client.dualcred() ? DUALCRED : PLAIN;
                for (double[] dot : failureDots(client)) {
                    svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.2\" fill=\"%s\" "
                            + "stroke=\"%s\" stroke-width=\"1.2\"><title>%s: %s failed</title></circle>%n",
                            scale.x(dot[0]), scale.y(Math.min(Math.max(dot[1], low), high)), color, FAILED,
                            client.label(), Text.count((long) dot[2])));
                }
            }
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>%n",
                LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
        // legend, right-aligned
        double legendWidth = 0;
        for (Series line : series) {
            legendWidth += 36 + line.name().length() * 6.6;
        }
        double x = WIDTH - RIGHT - legendWidth;
        for (Series line : series) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" y2=\"12\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"16\" class=\"legend\">%s</text>%n", x, x + 22,
                    line.color(), line.dashed() ? " stroke-dasharray=\"4 3\"" : "", x + 26, escape(line.name())));
            x += 36 + line.name().length() * 6.6;
        }
        svg.append("</svg>\n");
        svg.append("<figcaption>Shaded: <span class=\"sw warmup\"></span> warm-up and stopping (not in the "
                + "table's windows), <span class=\"sw during\"></span> during the rotation (server change to "
                + "revocation). Numbered lines: rotation steps (hover for details)."
                + (log ? " Dots: periods with failed operations, at their slowest operation." : "")
                + "</figcaption>\n");
        return svg.toString();
    }

    private static String stepLabel(List<Results.Step> group, Scale scale) {
        Results.Step first = group.get(0);
        Results.Step last = group.get(group.size() - 1);
        String label = first == last ? Integer.toString(first.number()) : first.number() + "-" + last.number();
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"steplabel\" text-anchor=\"middle\">"
                + "%s</text>%n", scale.x(first.atSeconds()), TOP - 4, label);
    }

    /** Maps seconds and values to chart coordinates. */
    private record Scale(double seconds, double low, double high, boolean log) {

        double x(double t) {
            return LEFT + (WIDTH - LEFT - RIGHT) * Math.max(0, Math.min(t, seconds)) / seconds;
        }

        double y(double value) {
            double fraction = log ? (Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))
                    : (value - low) / (high - low);
            return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * Math.max(0, Math.min(1, fraction));
        }
    }

    private static String latencyLabel(double millis) {
        if (millis >= 1000) {
            return trim(millis / 1000) + " s";
        }
        return trim(millis) + " ms";
    }

    private static String trim(double value) {
        if (value == Math.rint(value)) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%s", Math.round(value * 1000) / 1000.0);
    }

    private static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1e-3))));
        for (double factor : new double[] {1, 2, 5, 10}) {
            if (factor * magnitude >= rough) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static double niceCeiling(double value) {
        double step = niceStep(value / 4);
        return Math.ceil(value / step) * step;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String STYLE = """
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529;
                   max-width: 1060px; margin: 24px auto; padding: 0 16px; }
            h1 { font-size: 24px; margin-bottom: 4px; }
            h2 { font-size: 20px; margin-top: 32px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
            h3 { font-size: 15px; margin: 18px 0 6px; }
            .meta { color: #495057; font-size: 13px; }
            .plain { color: #e8590c; } .dualcred { color: #1c7ed6; }
            .pass { color: #2b8a3e; font-size: 14px; border: 1px solid #2b8a3e; border-radius: 4px; padding: 1px 6px; }
            .fail { color: #c92a2a; font-size: 14px; border: 1px solid #c92a2a; border-radius: 4px; padding: 1px 6px; }
            .problems { color: #c92a2a; font-weight: bold; }
            .cards { display: flex; gap: 10px; flex-wrap: wrap; margin: 12px 0; }
            .card { border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
            .card .v { font-size: 20px; font-weight: 600; } .card .l { font-size: 12px; color: #495057; }
            .card.plain .v { color: #e8590c; } .card.dualcred .v { color: #1c7ed6; }
            figure { margin: 12px 0; } figcaption { font-size: 12px; color: #495057; }
            svg { width: 100%; height: auto; background: #fff; }
            svg .title { font-size: 13px; font-weight: 600; fill: #212529; }
            svg .axis, svg .legend { font-size: 11px; fill: #495057; }
            svg .grid { stroke: #e9ecef; } svg .tick { stroke: #868e96; } svg .frame { fill: none; stroke: #adb5bd; }
            svg .warmup { fill: #f1f3f5; } svg .during { fill: #fff3bf; }
            svg .step line { stroke: #495057; stroke-dasharray: 2 3; }
            svg .steplabel { font-size: 11px; font-weight: 600; fill: #212529; }
            .sw { display: inline-block; width: 12px; height: 10px; border: 1px solid #ced4da; vertical-align: middle; }
            .sw.warmup { background: #f1f3f5; } .sw.during { background: #fff3bf; }
            pre.table { background: #f8f9fa; border: 1px solid #dee2e6; border-radius: 6px; padding: 10px;
                        font-size: 12.5px; overflow-x: auto; }
            ol.steps li { margin-bottom: 6px; } .t { color: #868e96; font-size: 12px; }
            table.failures { border-collapse: collapse; font-size: 12.5px; }
            table.failures td, table.failures th { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; }
            td.n { text-align: right; }
            code { font-size: 12.5px; }
            """;
}
