package io.dualcred.drill;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) with, per backend and
 * scenario, one chart of every contender's successful operations per second with the operator's steps marked, the
 * table, the steps' details and the failures by kind.
 */
final class HtmlReport {

    /** One colour per contender, the same in every chart. */
    private static final Map<Contender, String> COLORS = new EnumMap<>(Map.of(
            Contender.FIXED, "#e8590c",
            Contender.FIXED_2, "#f59f00",
            Contender.PROVIDER, "#7048e8",
            Contender.WATCHER, "#2b8a3e",
            Contender.DUALCRED, "#1c7ed6",
            Contender.DUALCRED_POOL, "#0c8599"));
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 300;
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
                .append("</head>\n<body>\n<h1>dualcred rotation drill <span class=\"")
                .append(drill.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span></h1>\n");
        html.append("<p class=\"meta\">Started ").append(escape(run.started().toString())).append(" &middot; ")
                .append(Text.rate(run.steadySeconds())).append(" s of steady load before each rotation &middot; ")
                .append(run.threads()).append(" threads per contender &middot; pool size ").append(run.poolSize())
                .append(" &middot; connection timeout ").append(run.connectionTimeoutMillis()).append(" ms &middot; ")
                .append("store delay ").append(run.storeDelayMillis()).append(" ms &middot; ")
                .append(run.evict() ? "--evict" : "no evictConnections()").append(" &middot; ").append(run.cores())
                .append(" cores, Java ").append(escape(run.java())).append(", ").append(escape(run.os()))
                .append("</p>\n");
        html.append("<p>Every contender has its own user and, except the fixed pools, its own secret directory; all "
                + "run the same continuous load against the same server and are rotated by the same operator steps "
                + "at the same moments. None gets an operator call the others do not get. <b>fixed</b> and "
                + "<b>fixed-2</b> are identical plain pools with one password: how much they differ is the run's "
                + "noise. <b>dip</b>: lowest successful ops/s in a " + run.sliceMillis() + " ms slice from the "
                + "server change on, divided by the median slice before it. <b>old at revoke</b>: sessions opened "
                + "before the server change that the revocation found and terminated. <b>old by tag at verify</b>: "
                + "sessions the runbook's fleet check (section 9.1) listed under the old version's tag right before "
                + "the revocation, for the dualcred pools; <code>a != b</code> when it disagreed with the sessions "
                + "opened before the change in the same snapshot.</p>\n");
        for (Results.BackendRun backend : drill.backends()) {
            section(html, backend, run);
        }
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    private static void section(StringBuilder html, Results.BackendRun backend, Results.Run settings) {
        html.append("<section>\n<h2>").append(backend.backend().displayName()).append(" <span class=\"")
                .append(backend.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span></h2>\n");
        html.append("<p class=\"meta\">").append(escape(backend.server())).append(" &middot; ")
                .append(escape(ConsoleReport.noise(backend))).append("</p>\n");
        for (Results.ScenarioRun run : backend.scenarios()) {
            html.append("<h3>").append(escape(backend.backend().displayName() + ", " + run.scenario().key()))
                    .append(": ").append(escape(run.scenario().summary())).append("</h3>\n");
            if (!run.problems().isEmpty()) {
                html.append("<p class=\"problems\">").append(escape(String.join("; ", run.problems())))
                        .append("</p>\n");
            }
            double minimum = settings.sliceMillis() / 1000.0 * 0.8;
            List<Series> throughput = new ArrayList<>();
            for (Results.ContenderRun contender : run.contenders()) {
                throughput.add(new Series(contender.label(), COLORS.get(contender.contender()),
                        contender.contender() == Contender.FIXED_2,
                        rates(contender, minimum, Timeline.Sample::succeeded)));
            }
            List<Span> spans = spans(run.contenders().get(0).samples());
            html.append("<figure>\n").append(chart("Successful operations per second, per contender", throughput,
                    run, spans)).append("</figure>\n");
            html.append("<pre class=\"table\">").append(escape(ConsoleReport.table(run, settings)))
                    .append("</pre>\n");
            html.append("<ol class=\"steps\">\n");
            for (Results.Step step : run.steps()) {
                html.append("<li value=\"").append(step.number()).append("\"><b>").append(escape(step.name()))
                        .append("</b> <span class=\"t\">at ")
                        .append(String.format(Locale.ROOT, "%.2f", step.atSeconds())).append(" s</span> ")
                        .append(escape(step.detail())).append("</li>\n");
            }
            html.append("</ol>\n");
            List<Results.ContenderRun> failing = run.contenders().stream()
                    .filter(contender -> !contender.failures().isEmpty()).toList();
            if (!failing.isEmpty()) {
                html.append("<table class=\"failures\"><tr><th>contender</th><th>kind</th><th>count</th>")
                        .append("<th>first message</th></tr>\n");
                for (Results.ContenderRun contender : failing) {
                    for (Results.FailureKind failure : contender.failures()) {
                        html.append("<tr><td>").append(escape(contender.label())).append("</td><td>")
                                .append(escape(failure.kind())).append("</td><td class=\"n\">")
                                .append(Text.count(failure.count())).append("</td><td>")
                                .append(escape(failure.example())).append("</td></tr>\n");
                    }
                }
                html.append("</table>\n");
            }
        }
        html.append("</section>\n");
    }

    /** A line on a chart; NaN values break it. */
    private record Series(String name, String color, boolean dashed, List<double[]> points) {
    }

    /**
     * Operations per second, over periods of at least {@code minimumSeconds}: the short periods cut at rotation
     * steps are merged with their neighbours, so that a handful of operations in a few milliseconds does not
     * show as a spike.
     */
    private static List<double[]> rates(Results.ContenderRun client, double minimumSeconds,
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

    /** A stretch of time in one window, shaded on the charts. */
    private record Span(Window window, double from, double to) {
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

    private static String chart(String title, List<Series> series, Results.ScenarioRun run, List<Span> spans) {
        double seconds = Math.max(run.seconds(), 0.001);
        double max = 0;
        for (Series line : series) {
            for (double[] point : line.points()) {
                if (!Double.isNaN(point[1])) {
                    max = Math.max(max, point[1]);
                }
            }
        }
        double low = 0;
        double high = niceCeiling(Math.max(max, 1));
        Scale scale = new Scale(seconds, low, high);
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
        for (int i = 0; i <= 4; i++) {
            ticks.add(high * i / 4);
        }
        for (double tick : ticks) {
            double y = scale.y(tick);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" class=\"axis\" text-anchor=\"end\">%s</text>%n", LEFT, WIDTH - RIGHT,
                    y, y, LEFT - 6, y + 4, escape(Text.rate(tick))));
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
                if (Double.isNaN(value)) {
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
                + "table's windows), <span class=\"sw during\"></span> from the server change to the revocation. Numbered "
                + "lines: the operator's steps (hover for details). Dashed: fixed-2, the noise control."
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
    private record Scale(double seconds, double low, double high) {

        double x(double t) {
            return LEFT + (WIDTH - LEFT - RIGHT) * Math.max(0, Math.min(t, seconds)) / seconds;
        }

        double y(double value) {
            double fraction = (value - low) / (high - low);
            return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * Math.max(0, Math.min(1, fraction));
        }
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
