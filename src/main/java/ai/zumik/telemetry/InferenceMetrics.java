package ai.zumik.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What inference did, by provider and model, for {@code /metrics}: requests, tokens, cost and
 * errors per model; attempts and failovers by failure class; limiter rejections by reason; circuit
 * states and budget levels read at scrape time.
 *
 * <p>Label cardinality is bounded by construction: a provider is a wire id, a failure class and a
 * reason code come from closed enums, and a model is a catalogue id or {@code other}. A model id
 * the catalogue does not know (a typo, a BYOC path, an alias that names no model) is folded into
 * {@code other}, and at most {@link #MAX_MODELS} distinct model labels are ever created, so no
 * client can mint series by sending ids. Scrape-time families are capped at {@link #MAX_ROWS} rows.
 */
public final class InferenceMetrics {
    static final int MAX_MODELS = 256;
    static final int MAX_ROWS = 100;
    static final String OTHER = "other";

    /** Counters for one provider and model. */
    private static final class ModelStats {
        final String labels;
        final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        final LongAdder input = new LongAdder();
        final LongAdder output = new LongAdder();
        final LongAdder cached = new LongAdder();
        final LongAdder costNanos = new LongAdder();
        final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();

        ModelStats(String provider, String model) {
            labels = "provider=\"" + provider + "\",model=\"" + model + "\"";
        }
    }

    /** Provider, then model label: looked up without building a key, so a seen pair allocates nothing. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, ModelStats>> models = new ConcurrentHashMap<>();
    private final AtomicInteger modelCount = new AtomicInteger();
    /** Provider, then outcome. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, LongAdder>> attempts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> failovers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rejections = new ConcurrentHashMap<>();
    /** Time spent fingerprinting prompts for reuse accounting (it runs while the provider works). */
    private final Histogram fingerprinting = new Histogram(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 10_000);
    private volatile Predicate<String> catalogue = m -> false;
    private volatile Supplier<Map<String, Integer>> circuits = Map::of;
    private volatile Supplier<Map<String, long[]>> budgets = Map::of;

    /** Which model ids get their own label (the catalogue's); every other id is {@code other}. */
    public void catalogue(Predicate<String> known) {
        this.catalogue = known;
    }

    /** Circuit state per target key at scrape time: 0 closed, 1 half-open, 2 open. */
    public void circuits(Supplier<Map<String, Integer>> states) {
        this.circuits = states;
    }

    /** Per project with a budget: {spent micros, cap micros}, at scrape time (already bounded by the caller). */
    public void budgets(Supplier<Map<String, long[]>> levels) {
        this.budgets = levels;
    }

    /** A finished inference request (any route, any status), from the access record. */
    void request(String provider, String model, int status, Long input, Long output, Long cached) {
        ModelStats s = stats(provider, model);
        adder(s.byStatus, status).increment();
        if (input != null) s.input.add(input);
        if (output != null) s.output.add(output);
        if (cached != null) s.cached.add(cached);
    }

    /** A response the broker ended: its cost, and its reason code when it failed. */
    public void response(String provider, String model, int status, String reasonCode, Long costNanos) {
        ModelStats s = stats(provider, model);
        if (costNanos != null && costNanos > 0) s.costNanos.add(costNanos);
        if (status >= 400 && reasonCode != null) adder(s.errors, reasonCode).increment();
    }

    /** One upstream attempt ended: {@code outcome} is its failure class, or {@code success}. */
    public void attempt(String provider, String outcome) {
        adder(inner(attempts, String.valueOf(provider)), String.valueOf(outcome)).increment();
    }

    /** Another attempt was made after a failure of this class (failover, same-target retry or the bridge). */
    public void failover(String failureClass) {
        adder(failovers, failureClass).increment();
    }

    /** Governance or QoS admission refused a request before any attempt. */
    public void rejected(String reasonCode) {
        adder(rejections, reasonCode).increment();
    }

    /** A prompt was fingerprinted for reuse accounting, taking {@code nanos}. */
    public void fingerprinted(long nanos) {
        fingerprinting.observe(nanos / 1_000);
    }

    private ModelStats stats(String provider, String model) {
        String p = provider == null ? "none" : provider;
        String m = model != null && catalogue.test(model) ? model : OTHER;
        ConcurrentHashMap<String, ModelStats> byModel = inner(models, p);
        ModelStats s = byModel.get(m);
        if (s != null) return s;
        if (!m.equals(OTHER) && modelCount.get() >= MAX_MODELS) return stats(p, OTHER);
        return byModel.computeIfAbsent(m, k -> {
            modelCount.incrementAndGet();
            return new ModelStats(p, m);
        });
    }

    private static <V> ConcurrentHashMap<String, V> inner(ConcurrentHashMap<String, ConcurrentHashMap<String, V>> map, String key) {
        ConcurrentHashMap<String, V> m = map.get(key);
        return m != null ? m : map.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
    }

    void render(StringBuilder sb) {
        List<ModelStats> sorted = new ArrayList<>();
        new TreeMap<>(models).values().forEach(byModel -> sorted.addAll(new TreeMap<>(byModel).values()));
        Metrics.header(sb, "zumik_model_requests_total", "Inference requests by provider, catalogue model (or other) and status.",
                "counter");
        sorted.forEach(s -> new TreeMap<>(s.byStatus).forEach((status, v) ->
                line(sb, "zumik_model_requests_total", s.labels + ",status=\"" + status + "\"", v.sum())));
        Metrics.header(sb, "zumik_model_tokens_total", "Tokens by provider, model and type (input, output, cached input).",
                "counter");
        sorted.forEach(s -> {
            line(sb, "zumik_model_tokens_total", s.labels + ",type=\"input\"", s.input.sum());
            line(sb, "zumik_model_tokens_total", s.labels + ",type=\"output\"", s.output.sum());
            line(sb, "zumik_model_tokens_total", s.labels + ",type=\"cached\"", s.cached.sum());
        });
        Metrics.header(sb, "zumik_model_cost_micros_total", "What charged responses cost, in micro-dollars.", "counter");
        sorted.forEach(s -> line(sb, "zumik_model_cost_micros_total", s.labels, s.costNanos.sum() / 1_000));
        Metrics.header(sb, "zumik_model_errors_total", "Failed responses by provider, model and reason code.", "counter");
        sorted.forEach(s -> new TreeMap<>(s.errors).forEach((reason, v) ->
                line(sb, "zumik_model_errors_total", s.labels + ",reason=\"" + reason + "\"", v.sum())));
        Metrics.header(sb, "zumik_upstream_attempts_total", "Upstream attempts by provider and outcome (a failure class or success).",
                "counter");
        new TreeMap<>(attempts).forEach((provider, byOutcome) -> new TreeMap<>(byOutcome).forEach((outcome, v) ->
                line(sb, "zumik_upstream_attempts_total", "provider=\"" + provider + "\",outcome=\"" + outcome + "\"", v.sum())));
        Metrics.header(sb, "zumik_failovers_total", "Attempts made after a failed one, by the failure class that caused them.",
                "counter");
        new TreeMap<>(failovers).forEach((c, v) -> line(sb, "zumik_failovers_total", "failure_class=\"" + c + "\"", v.sum()));
        Metrics.header(sb, "zumik_limiter_rejections_total", "Requests refused before any attempt, by reason code.", "counter");
        new TreeMap<>(rejections).forEach((r, v) -> line(sb, "zumik_limiter_rejections_total", "reason=\"" + r + "\"", v.sum()));
        Metrics.header(sb, "zumik_reuse_fingerprint_seconds",
                "Time spent fingerprinting prompts for reuse accounting, while the provider works on them.", "histogram");
        fingerprinting.render(sb, "zumik_reuse_fingerprint_seconds", "");
        Metrics.header(sb, "zumik_circuit_state", "Circuit per target: 0 closed, 1 half-open, 2 open.", "gauge");
        int[] rows = {0};
        new TreeMap<>(circuits.get()).forEach((target, state) -> {
            if (rows[0]++ < MAX_ROWS) line(sb, "zumik_circuit_state", "target=\"" + escape(target) + "\"", state);
        });
        Metrics.header(sb, "zumik_budget_spend_micros", "Spend this billing cycle, for projects with a monthly budget.", "gauge");
        Map<String, long[]> levels = new TreeMap<>(budgets.get());
        levels.forEach((project, l) -> line(sb, "zumik_budget_spend_micros", "project=\"" + escape(project) + "\"", l[0]));
        Metrics.header(sb, "zumik_budget_cap_micros", "Monthly budget, for the same projects.", "gauge");
        levels.forEach((project, l) -> line(sb, "zumik_budget_cap_micros", "project=\"" + escape(project) + "\"", l[1]));
    }

    private static void line(StringBuilder sb, String name, String labels, long value) {
        sb.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static <K> LongAdder adder(ConcurrentHashMap<K, LongAdder> map, K key) {
        LongAdder a = map.get(key);
        return a != null ? a : map.computeIfAbsent(key, k -> new LongAdder());
    }
}
