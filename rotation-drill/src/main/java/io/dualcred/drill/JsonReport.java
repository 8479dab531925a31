package io.dualcred.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The JSON summary: one object per backend with {@code plain}, {@code dualcred} and {@code throughput_ratio}, plus
 * the settings, the steps, per-window numbers and the chart's samples.
 */
final class JsonReport {

    private JsonReport() {
    }

    static String render(Results.Drill drill) {
        Map<String, Object> root = new LinkedHashMap<>();
        Results.Run run = drill.run();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("started", run.started().toString());
        settings.put("duration_s", run.durationSeconds());
        settings.put("threads", run.threads());
        settings.put("pool_size", run.poolSize());
        settings.put("rotations", run.rotations());
        settings.put("connection_timeout_ms", run.connectionTimeoutMillis());
        settings.put("cores", run.cores());
        settings.put("java", run.java());
        settings.put("os", run.os());
        root.put("drill", settings);
        for (Results.BackendRun backend : drill.backends()) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("server", backend.server());
            object.put("seconds", backend.seconds());
            object.put("plain", client(backend.plain()));
            object.put("dualcred", client(backend.dualcred()));
            object.put("throughput_ratio", backend.throughputRatio());
            object.put("passed", backend.passed());
            object.put("problems", backend.problems());
            List<Object> steps = new ArrayList<>();
            for (Results.Step step : backend.steps()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("step", step.number());
                entry.put("name", step.name());
                entry.put("t_s", step.atSeconds());
                entry.put("detail", step.detail());
                steps.add(entry);
            }
            object.put("steps", steps);
            root.put(backend.backend().key(), object);
        }
        root.put("passed", drill.passed());
        return Json.write(root);
    }

    private static Map<String, Object> client(Results.Client client) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("user", client.user());
        object.put("ops", client.total().ops());
        object.put("errors", client.total().failed());
        object.put("ok_ops_per_s", client.total().okPerSecond());
        object.put("p50_ms", client.total().p50Ms());
        object.put("p99_ms", client.total().p99Ms());
        object.put("max_ms", client.total().maxMs());
        object.put("rejected_logins", value(client.rejectedLogins()));
        object.put("rejected_logins_counted_by", client.rejectedLoginsSource());
        if (client.dualcred()) {
            object.put("source_loads", value(client.sourceLoads()));
            object.put("switches", value(client.switches()));
            object.put("promotions", value(client.promotions()));
            List<Object> switchTimes = new ArrayList<>();
            for (OptionalDouble time : client.switchAfterChangeMillis()) {
                switchTimes.add(time.isPresent() ? time.getAsDouble() : null);
            }
            object.put("switch_after_change_ms", switchTimes);
            object.put("events", client.events());
        }
        Map<String, Object> windows = new LinkedHashMap<>();
        for (Window window : Window.values()) {
            WindowStats stats = client.windows().get(window);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("seconds", stats.seconds());
            entry.put("ops", stats.ops());
            entry.put("errors", stats.failed());
            entry.put("ok_ops_per_s", stats.okPerSecond());
            entry.put("p50_ms", stats.p50Ms());
            entry.put("p99_ms", stats.p99Ms());
            entry.put("max_ms", stats.maxMs());
            windows.put(window.label(), entry);
        }
        object.put("windows", windows);
        List<Object> failures = new ArrayList<>();
        for (Results.FailureKind failure : client.failures()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("kind", failure.kind());
            entry.put("count", failure.count());
            entry.put("example", failure.example());
            failures.add(entry);
        }
        object.put("failures", failures);
        List<Object> samples = new ArrayList<>();
        for (Timeline.Sample sample : client.samples()) {
            samples.add(List.of(sample.atSeconds(), sample.succeeded(), sample.failed(), sample.p50Ms(),
                    sample.p99Ms(), sample.maxMs()));
        }
        object.put("samples_columns", List.of("t_s", "ok", "errors", "p50_ms", "p99_ms", "max_ms"));
        object.put("samples", samples);
        return object;
    }

    private static Object value(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }
}
