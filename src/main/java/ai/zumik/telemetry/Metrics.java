package ai.zumik.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Prometheus metrics, kept as lock-free adders and rendered in text exposition format. The one
 * that matters most is {@code zumik_overhead_seconds}: each request's wall time minus the time it
 * spent waiting on its upstream, i.e. what Zumik itself costs. Recording a request allocates
 * nothing once its route, status and provider have been seen: label strings are built once.
 */
public final class Metrics {
    /**
     * 100 µs apart between 0.5 and 1.5 ms, where the per-request targets (≤ 1 ms) are decided: a
     * coarser step there hides a 0.2 ms change.
     */
    private static final long[] OVERHEAD_BUCKETS = {10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1_000,
            1_100, 1_200, 1_300, 1_400, 1_500, 1_750, 2_000, 2_500, 5_000, 10_000, 25_000, 100_000};
    private static final long[] LATENCY_BUCKETS = {1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
            1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000, 300_000_000};

    /** Everything kept per route. */
    private static final class RouteStats {
        final String labels;
        final Histogram overhead = new Histogram(OVERHEAD_BUCKETS);
        final Histogram duration = new Histogram(LATENCY_BUCKETS);
        final ConcurrentHashMap<Integer, LongAdder> byMethodStatus = new ConcurrentHashMap<>();

        RouteStats(String route) {
            labels = "route=\"" + route + "\"";
        }
    }

    /** Everything kept per provider and execution mode. */
    private static final class ProviderStats {
        final String labels;
        final Histogram ttft = new Histogram(LATENCY_BUCKETS);
        final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        final LongAdder prompt = new LongAdder();
        final LongAdder cached = new LongAdder();
        final LongAdder completion = new LongAdder();

        ProviderStats(String provider, String mode) {
            labels = "provider=\"" + provider + "\",mode=\"" + mode + "\"";
        }
    }

    private static final String[] METHODS = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"};

    private final ConcurrentHashMap<String, RouteStats> routes = new ConcurrentHashMap<>();
    /** Provider, then execution mode: looked up without building a key. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, ProviderStats>> providers = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    private final InferenceMetrics inference = new InferenceMetrics();

    /** The per-provider and per-model families (bounded labels; see {@link InferenceMetrics}). */
    public InferenceMetrics inference() {
        return inference;
    }

    public void record(AccessRecord r) {
        RouteStats rs = routes.get(r.route());
        if (rs == null) rs = routes.computeIfAbsent(r.route(), RouteStats::new);
        adder(rs.byMethodStatus, methodIndex(r.method()) * 1000 + r.status()).increment();
        rs.overhead.observe(r.overheadMicros());
        rs.duration.observe(r.durationMicros());
        if (Tracing.traced(r.route())) {
            inference.request(r.provider(), r.model(), r.status(), r.promptTokens(), r.completionTokens(), r.cachedTokens());
        }
        if (r.provider() == null) return;
        ConcurrentHashMap<String, ProviderStats> byMode = providers.get(r.provider());
        if (byMode == null) byMode = providers.computeIfAbsent(r.provider(), k -> new ConcurrentHashMap<>());
        String mode = String.valueOf(r.executionMode());
        ProviderStats ps = byMode.get(mode);
        if (ps == null) ps = byMode.computeIfAbsent(mode, m -> new ProviderStats(r.provider(), m));
        adder(ps.byStatus, r.status()).increment();
        if (r.ttftMicros() != null) ps.ttft.observe(r.ttftMicros());
        if (r.promptTokens() != null) ps.prompt.add(r.promptTokens());
        if (r.cachedTokens() != null) ps.cached.add(r.cachedTokens());
        if (r.completionTokens() != null) ps.completion.add(r.completionTokens());
    }

    /** Registers a value read at scrape time (queue depths, dropped lines). */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    public String render() {
        StringBuilder sb = new StringBuilder(8192);
        var sortedRoutes = new TreeMap<>(routes);
        List<ProviderStats> sortedProviders = new ArrayList<>();
        new TreeMap<>(providers).values().forEach(byMode -> sortedProviders.addAll(new TreeMap<>(byMode).values()));
        header(sb, "zumik_http_requests_total", "HTTP requests by route, method and status.", "counter");
        sortedRoutes.values().forEach(rs -> new TreeMap<>(rs.byMethodStatus).forEach((k, v) -> sb.append("zumik_http_requests_total{")
                .append(rs.labels).append(",method=\"").append(METHODS[k / 1000]).append("\",status=\"").append(k % 1000)
                .append("\"} ").append(v.sum()).append('\n')));
        header(sb, "zumik_overhead_seconds",
                "Zumik's own time per request: wall time minus time waiting on the upstream.", "histogram");
        sortedRoutes.values().forEach(rs -> rs.overhead.render(sb, "zumik_overhead_seconds", rs.labels));
        header(sb, "zumik_http_request_duration_seconds", "Wall time per request.", "histogram");
        sortedRoutes.values().forEach(rs -> rs.duration.render(sb, "zumik_http_request_duration_seconds", rs.labels));
        header(sb, "zumik_upstream_ttft_seconds", "Time to the first upstream event.", "histogram");
        sortedProviders.forEach(ps -> ps.ttft.render(sb, "zumik_upstream_ttft_seconds", ps.labels));
        header(sb, "zumik_inference_requests_total", "Inference requests by provider, execution mode and status.", "counter");
        sortedProviders.forEach(ps -> new TreeMap<>(ps.byStatus).forEach((status, v) -> sb
                .append("zumik_inference_requests_total{").append(ps.labels).append(",status=\"").append(status)
                .append("\"} ").append(v.sum()).append('\n')));
        header(sb, "zumik_tokens_total", "Tokens reported by providers.", "counter");
        sortedProviders.forEach(ps -> {
            tokens(sb, ps, "prompt", ps.prompt);
            tokens(sb, ps, "cached", ps.cached);
            tokens(sb, ps, "completion", ps.completion);
        });
        inference.render(sb);
        for (var g : new TreeMap<>(gauges).entrySet()) {
            sb.append("# TYPE ").append(g.getKey()).append(" gauge\n")
                    .append(g.getKey()).append(' ').append(g.getValue().getAsLong()).append('\n');
        }
        return sb.toString();
    }

    private static void tokens(StringBuilder sb, ProviderStats ps, String type, LongAdder value) {
        sb.append("zumik_tokens_total{").append(ps.labels).append(",type=\"").append(type).append("\"} ")
                .append(value.sum()).append('\n');
    }

    static void header(StringBuilder sb, String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static LongAdder adder(ConcurrentHashMap<Integer, LongAdder> map, int key) {
        LongAdder a = map.get(key);
        return a != null ? a : map.computeIfAbsent(key, k -> new LongAdder());
    }

    private static int methodIndex(String method) {
        for (int i = 0; i < METHODS.length; i++) if (METHODS[i].equals(method)) return i;
        return 0;
    }
}
