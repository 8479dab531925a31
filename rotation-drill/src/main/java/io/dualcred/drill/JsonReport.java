package io.dualcred.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The JSON summary. Per backend: {@code scenarios.<scenario>.<contender>} with {@code ops}, {@code errors},
 * {@code rejected_logins}, {@code first_new_login_ms}, {@code dip} and {@code throughput_ratio} (plus failures by
 * kind, windows and the chart's slices; for a dualcred contender, the runbook's fleet check before the revocation:
 * {@code old_by_tag_at_verify}, {@code old_by_start_at_verify} and whether every check agreed,
 * {@code fleet_checks_agreed}), and {@code noise}. The keys of the first drill stay: {@code plain} and
 * {@code dualcred} (the {@code fixed} and {@code dualcred} contenders of the first scenario) and
 * {@code throughput_ratio} (dualcred / fixed before that scenario's rotation).
 */
final class JsonReport {

    private JsonReport() {
    }

    static String render(Results.Drill drill) {
        Map<String, Object> root = new LinkedHashMap<>();
        Results.Run run = drill.run();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("started", run.started().toString());
        settings.put("steady_s", run.steadySeconds());
        settings.put("threads", run.threads());
        settings.put("pool_size", run.poolSize());
        settings.put("connection_timeout_ms", run.connectionTimeoutMillis());
        settings.put("store_delay_ms", run.storeDelayMillis());
        settings.put("evict", run.evict());
        settings.put("slice_ms", run.sliceMillis());
        settings.put("cores", run.cores());
        settings.put("java", run.java());
        settings.put("os", run.os());
        root.put("drill", settings);
        for (Results.BackendRun backend : drill.backends()) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("server", backend.server());
            object.put("topology", backend.topology());
            Results.ScenarioRun first = backend.scenarios().get(0);
            object.put("plain", contender(first.get(Contender.FIXED)));
            object.put("dualcred", contender(first.get(Contender.DUALCRED)));
            object.put("throughput_ratio", first.get(Contender.DUALCRED).throughputRatio());
            Map<String, Object> scenarios = new LinkedHashMap<>();
            for (Results.ScenarioRun scenario : backend.scenarios()) {
                Map<String, Object> contenders = new LinkedHashMap<>();
                for (Results.ContenderRun contender : scenario.contenders()) {
                    contenders.put(contender.label(), contender(contender));
                }
                contenders.put("seconds", scenario.seconds());
                contenders.put("steps", steps(scenario));
                contenders.put("problems", scenario.problems());
                scenarios.put(scenario.scenario().key(), contenders);
            }
            object.put("scenarios", scenarios);
            object.put("noise", backend.noise());
            object.put("passed", backend.passed());
            root.put(backend.backend().key(), object);
        }
        root.put("passed", drill.passed());
        return Json.write(root);
    }

    private static List<Object> steps(Results.ScenarioRun scenario) {
        List<Object> steps = new ArrayList<>();
        for (Results.Step step : scenario.steps()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step.number());
            entry.put("name", step.name());
            entry.put("t_s", step.atSeconds());
            entry.put("detail", step.detail());
            steps.add(entry);
        }
        return steps;
    }

    private static Map<String, Object> contender(Results.ContenderRun contender) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("description", contender.description());
        object.put("user", contender.user());
        object.put("ops", contender.total().ops());
        object.put("errors", contender.failed());
        object.put("rotation_errors", contender.rotationFailed());
        object.put("rejected_logins", value(contender.rejectedLogins()));
        object.put("first_new_login_ms", value(contender.firstNewLoginMillis()));
        object.put("dip", finite(contender.dip()));
        object.put("throughput_ratio", finite(contender.throughputRatio()));
        object.put("old_sessions_at_revoke", value(contender.oldSessionsAtRevoke()));
        object.put("ok_ops_per_s", contender.total().okPerSecond());
        object.put("p50_ms", finite(contender.total().p50Ms()));
        object.put("p99_ms", finite(contender.total().p99Ms()));
        object.put("max_ms", finite(contender.total().maxMs()));
        Map<String, Object> failures = new LinkedHashMap<>();
        for (Results.FailureKind failure : contender.failures()) {
            failures.put(failure.kind(), failure.count());
        }
        object.put("errors_by_kind", failures);
        if (!contender.events().isEmpty()) {
            object.put("events", contender.events());
        }
        contender.fleetCheck().ifPresent(check -> {
            object.put("old_tag", check.oldTag());
            object.put("old_by_tag_at_verify", check.oldByTag());
            object.put("new_by_tag_at_verify", check.newByTag());
            object.put("old_by_start_at_verify", check.oldByStart());
            object.put("fleet_checks", check.checks());
            object.put("fleet_checks_agreed", check.agreed());
        });
        Map<String, Object> windows = new LinkedHashMap<>();
        for (Window window : Window.values()) {
            WindowStats stats = contender.windows().get(window);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("seconds", stats.seconds());
            entry.put("ops", stats.ops());
            entry.put("errors", stats.failed());
            entry.put("ok_ops_per_s", stats.okPerSecond());
            entry.put("p99_ms", finite(stats.p99Ms()));
            windows.put(window.label(), entry);
        }
        object.put("windows", windows);
        List<Object> samples = new ArrayList<>();
        for (Timeline.Sample sample : contender.samples()) {
            samples.add(List.of(sample.atSeconds(), sample.succeeded(), sample.failed()));
        }
        object.put("samples_columns", List.of("t_s", "ok", "errors"));
        object.put("samples", samples);
        return object;
    }

    private static Object finite(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }

    private static Object value(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }

    private static Object value(OptionalInt value) {
        return value.isPresent() ? value.getAsInt() : null;
    }

    private static Object value(OptionalDouble value) {
        return value.isPresent() ? value.getAsDouble() : null;
    }
}
