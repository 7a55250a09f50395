package ai.zumik.telemetry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Prometheus metrics, kept as lock-free adders and rendered in text exposition format. The one
 * that matters most is {@code zumik_overhead_seconds}: each request's wall time minus the time it
 * spent waiting on its upstream, i.e. what Zumik itself costs.
 */
public final class Metrics {
    private static final long[] OVERHEAD_BUCKETS = {10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000};
    private static final long[] LATENCY_BUCKETS = {1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
            1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000, 300_000_000};

    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Histogram> overhead = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Histogram> duration = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Histogram> ttft = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> inference = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> tokens = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

    public void record(AccessRecord r) {
        counter(requests, "route=\"" + r.route() + "\",method=\"" + r.method() + "\",status=\"" + r.status() + "\"").increment();
        String route = "route=\"" + r.route() + "\"";
        overhead.computeIfAbsent(route, k -> new Histogram(OVERHEAD_BUCKETS)).observe(r.overheadMicros());
        duration.computeIfAbsent(route, k -> new Histogram(LATENCY_BUCKETS)).observe(r.durationMicros());
        if (r.provider() != null) {
            String p = "provider=\"" + r.provider() + "\"";
            counter(inference, p + ",mode=\"" + r.executionMode() + "\",status=\"" + r.status() + "\"").increment();
            if (r.ttftMicros() != null) ttft.computeIfAbsent(p, k -> new Histogram(LATENCY_BUCKETS)).observe(r.ttftMicros());
            if (r.promptTokens() != null) counter(tokens, p + ",type=\"prompt\"").add(r.promptTokens());
            if (r.cachedTokens() != null) counter(tokens, p + ",type=\"cached\"").add(r.cachedTokens());
            if (r.completionTokens() != null) counter(tokens, p + ",type=\"completion\"").add(r.completionTokens());
        }
    }

    /** Registers a value read at scrape time (queue depths, dropped lines). */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    public String render() {
        StringBuilder sb = new StringBuilder(4096);
        counters(sb, "zumik_http_requests_total", "HTTP requests by route, method and status.", requests);
        histograms(sb, "zumik_overhead_seconds",
                "Zumik's own time per request: wall time minus time waiting on the upstream.", overhead);
        histograms(sb, "zumik_http_request_duration_seconds", "Wall time per request.", duration);
        histograms(sb, "zumik_upstream_ttft_seconds", "Time to the first upstream event, by provider.", ttft);
        counters(sb, "zumik_inference_requests_total", "Inference requests by provider, execution mode and status.", inference);
        counters(sb, "zumik_tokens_total", "Tokens reported by providers.", tokens);
        for (var g : new TreeMap<>(gauges).entrySet()) {
            sb.append("# TYPE ").append(g.getKey()).append(" gauge\n")
                    .append(g.getKey()).append(' ').append(g.getValue().getAsLong()).append('\n');
        }
        return sb.toString();
    }

    private static LongAdder counter(ConcurrentHashMap<String, LongAdder> map, String labels) {
        LongAdder a = map.get(labels);
        return a != null ? a : map.computeIfAbsent(labels, k -> new LongAdder());
    }

    private static void counters(StringBuilder sb, String name, String help, Map<String, LongAdder> map) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        for (var e : new TreeMap<>(map).entrySet()) {
            sb.append(name).append('{').append(e.getKey()).append("} ").append(e.getValue().sum()).append('\n');
        }
    }

    private static void histograms(StringBuilder sb, String name, String help, Map<String, Histogram> map) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" histogram\n");
        for (var e : new TreeMap<>(map).entrySet()) e.getValue().render(sb, name, e.getKey());
    }
}
