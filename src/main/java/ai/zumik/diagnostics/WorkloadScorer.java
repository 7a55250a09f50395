package ai.zumik.diagnostics;

import ai.zumik.json.Json;
import ai.zumik.reuse.PrefixWindow;
import ai.zumik.reuse.PromptPrefix;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Scores a stream of metadata-only traces: the Workload Reuse Score (digest §5.10), the reuse
 * waterfall with an evidence level on every number, the prefix families and the top reuse killers.
 * Traces are fed one at a time ({@link #accept}) and aggregated as they come; nothing but a
 * per-family and per-session summary is kept, so a file of any length scores in bounded memory.
 *
 * <p><b>Per trace</b> ({@code input} = {@code observed.input_tokens}):
 * <ul>
 * <li>With {@code prefix} marks, candidates are recomputed with the gateway's own {@link PrefixWindow}
 *     in arrival order ({@code schedule.arrival_offset_ms}; a trace without it arrives with the one
 *     before): the longest boundary of the prompt sent within the reuse window that holds at least
 *     the minimum prefix. The marks' estimated tokens are scaled to {@code input} (the marks count
 *     bytes/4, the provider counts tokens). {@code eligible} is everything before the last block.
 *     The stable prefix is the mark whose fingerprint names {@code prefix_family_id}.</li>
 * <li>Without marks, {@code candidate} and {@code eligible} are the trace's own
 *     ({@code eligible_reuse_tokens}, absent: the candidate).</li>
 * <li>{@code realized} is the provider's counter ({@code realized_reused_tokens}) or, when the trace has
 *     none, unknown and counted 0 — never guessed.</li>
 * <li>Clamping keeps {@code input ≥ eligible ≥ candidate ≥ realized ≥ 0}: realized is capped at
 *     input; a provider-reported hit is a fact, so candidate is raised to it, and eligible to
 *     candidate; {@code missed = candidate − realized}.</li>
 * </ul>
 *
 * <p><b>Components</b> (each clamped to [0,1]; N = traces scored):
 * <ul>
 * <li>{@code opportunity_ratio} = Σ candidate / Σ input.</li>
 * <li>{@code recurrence_score} = repeats / N, a repeat being a trace whose prefix family appeared
 *     earlier (N − distinct families, counting only traces that have a family).</li>
 * <li>{@code retention_locality} = repeats arriving within the reuse window of their family's
 *     previous trace / repeats (0 without repeats).</li>
 * <li>{@code ttft_sensitivity} = Σ ttft_ms / Σ latency_ms over traces with both timings: the share of
 *     wall time spent waiting for the first token, which prefix reuse shortens. A trace in the
 *     {@code background} or {@code batch} QoS class contributes its latency but no ttft (nobody
 *     waits for it).</li>
 * <li>{@code session_continuity} = continuing traces / N: a trace continues when its
 *     {@code schedule.session_id} appeared before, or when its recomputed candidate reaches past
 *     its stable prefix (it extends an earlier prompt's history).</li>
 * <li>{@code payload_redundancy} = Σ eligible / Σ input: the share of input re-sent as context.</li>
 * </ul>
 * WRS = round(100 × Σ weight × component), an integer 0–100, banded by {@link Band#of}.
 */
public final class WorkloadScorer {
    public static final String SCORING_VERSION = "wrs_1";
    /** Families and sessions followed one by one; past these, traces count in aggregate only. */
    static final int MAX_FAMILIES = 100_000;
    static final int MAX_SESSIONS = 1_000_000;
    /** Families listed in a report, most candidate tokens first. */
    static final int FAMILIES_LISTED = 20;
    static final int KILLERS_LISTED = 5;
    /** Traces held to restore arrival order (they are written when they finish, not when they arrive). */
    static final int MAX_REORDER = 100_000;
    /** A family's provider captured less than this share of its candidates: missed capture. */
    static final double LOW_CAPTURE = 0.5;
    private static final HexFormat HEX = HexFormat.of();

    private final ScoringOptions options;
    private final long reorderSlackMs;
    private final PrefixWindow window;
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            Comparator.comparingLong(Pending::arrival).thenComparingLong(Pending::seq));
    private final Map<String, Family> families = new HashMap<>();
    private final Set<String> sessions = new HashSet<>();
    private long seq;
    private long latestArrival;

    private long traces;
    private long input;
    private long eligible;
    private long candidate;
    private long realized;
    private long tracesWithCounter;
    private long inputWithCounter;
    private long tracesWithMarks;
    private long repeats;
    private long repeatsWithinWindow;
    private long continuing;
    private long ttftMs;
    private long latencyMs;
    private long timedTraces;
    private long untrackedFamilyTraces;
    // Reuse killers counted per trace.
    private long noFamilyTraces;
    private long noFamilyTokens;
    private long belowMinimumTraces;
    private long belowMinimumTokens;
    private long gapTraces;
    private long gapTokens;

    public WorkloadScorer(ScoringOptions options) {
        this.options = options;
        this.reorderSlackMs = Math.min(2 * options.reuseWindowMs(), 3_600_000);
        this.window = new PrefixWindow(1_000_000, options.reuseWindowMs());
    }

    public ScoringOptions options() {
        return options;
    }

    /** Adds a trace; it is scored once every trace that arrived before it has been seen (or at {@link #report}). */
    public void accept(TraceEnvelope t) {
        TraceEnvelope.Schedule s = t.schedule();
        long arrival = s != null && s.arrivalOffsetMs() != null ? s.arrivalOffsetMs() : latestArrival;
        latestArrival = Math.max(latestArrival, arrival);
        pending.add(new Pending(t, arrival, seq++));
        while (!pending.isEmpty() && (pending.size() > MAX_REORDER || pending.peek().arrival() <= latestArrival - reorderSlackMs)) {
            score(pending.poll());
        }
    }

    public long traces() {
        return traces + pending.size();
    }

    private record Pending(TraceEnvelope trace, long arrival, long seq) {}

    /** One prefix family's running totals. */
    private static final class Family {
        final String id;
        long traces;
        long input;
        long eligible;
        long candidate;
        long realized;
        long withCounter;
        long lastArrival;
        long gapsBeyondWindow;
        Long stableTokens;

        Family(String id) {
            this.id = id;
        }
    }

    private void score(Pending p) {
        TraceEnvelope t = p.trace();
        long arrival = p.arrival();
        TraceEnvelope.Observed o = t.observed();
        long in = o.inputTokens();
        long elig;
        long cand;
        Long stable = null;
        boolean continues = false;
        if (!t.prefix().isEmpty()) {
            tracesWithMarks++;
            PromptPrefix prefix = prefixOf(t);
            long estimated = prefix.tokens();
            double scale = estimated > 0 ? (double) in / estimated : 0;
            long minMarks = scale > 0 ? (long) Math.ceil(options.minPrefixTokens() / scale) : options.minPrefixTokens();
            int seen = window.longestSeen(prefix, arrival, options.reuseWindowMs(), minMarks);
            window.remember(prefix, arrival);
            elig = Math.round(prefix.eligibleTokens() * scale);
            cand = seen < 0 ? 0 : Math.round(prefix.marks()[seen] * scale);
            continues = seen >= prefix.stableBlocks();
            if (prefix.stableBlocks() > 0) stable = Math.round(prefix.stableTokens() * scale);
        } else {
            cand = o.candidateReuseTokens();
            elig = o.eligibleReuseTokens() != null ? o.eligibleReuseTokens() : cand;
        }
        Long counter = o.realizedReusedTokens();
        long real = counter == null ? 0 : Math.min(counter, in);
        cand = Math.min(Math.max(cand, real), in);
        elig = Math.min(Math.max(elig, cand), in);

        traces++;
        input += in;
        eligible += elig;
        candidate += cand;
        realized += real;
        if (counter != null) {
            tracesWithCounter++;
            inputWithCounter += in;
        }
        timing(t, o);
        String session = t.schedule() == null ? null : t.schedule().sessionId();
        if (session != null && (sessions.size() < MAX_SESSIONS ? !sessions.add(session) : sessions.contains(session))) {
            continues = true; // seen before (past MAX_SESSIONS, a new one is not followed)
        }
        if (continues) continuing++;
        long prefixTokens = stable != null ? stable : elig;
        if (prefixTokens < options.minPrefixTokens() && cand == 0) {
            belowMinimumTraces++;
            belowMinimumTokens += elig;
        }
        family(t.prefixFamilyId(), arrival, in, elig, cand, real, counter != null, stable);
    }

    private void timing(TraceEnvelope t, TraceEnvelope.Observed o) {
        if (o.ttftMs() == null || o.latencyMs() == null || o.latencyMs() <= 0) return;
        String qos = t.request() == null ? null : t.request().qosClass();
        boolean waited = !"background".equals(qos) && !"batch".equals(qos);
        timedTraces++;
        latencyMs += o.latencyMs();
        if (waited) ttftMs += Math.min(o.ttftMs(), o.latencyMs());
    }

    private void family(String id, long arrival, long in, long elig, long cand, long real, boolean counted, Long stable) {
        if (id == null) {
            noFamilyTraces++;
            noFamilyTokens += in;
            return;
        }
        Family f = families.get(id);
        if (f == null) {
            if (families.size() >= MAX_FAMILIES) {
                untrackedFamilyTraces++;
                return;
            }
            f = new Family(id);
            families.put(id, f);
        } else {
            repeats++;
            if (arrival - f.lastArrival <= options.reuseWindowMs()) {
                repeatsWithinWindow++;
            } else {
                f.gapsBeyondWindow++;
                gapTraces++;
                gapTokens += elig;
            }
        }
        f.traces++;
        f.input += in;
        f.eligible += elig;
        f.candidate += cand;
        f.realized += real;
        if (counted) f.withCounter++;
        f.lastArrival = Math.max(f.lastArrival, arrival);
        if (stable != null) f.stableTokens = stable;
    }

    /**
     * The trace's marks as a {@link PromptPrefix}: fingerprints are the 16 hex digits the gateway
     * writes (anything else is folded to 64 bits, FNV-1a, so it still compares equal to itself);
     * the stable prefix ends at the mark naming the trace's family.
     */
    static PromptPrefix prefixOf(TraceEnvelope t) {
        List<TraceEnvelope.PrefixMark> marks = t.prefix();
        long[] tokens = new long[marks.size()];
        long[] fps = new long[marks.size()];
        int stable = 0;
        String family = t.prefixFamilyId();
        boolean named = family != null && family.startsWith("pf_");
        long previous = 0;
        for (int i = 0; i < tokens.length; i++) {
            TraceEnvelope.PrefixMark m = marks.get(i);
            previous = Math.max(previous, m.tokens());
            tokens[i] = previous;
            fps[i] = fingerprint(m.fingerprint());
            if (stable == 0 && named && names(family, m.fingerprint())) stable = i + 1;
        }
        return new PromptPrefix(null, tokens, fps, stable);
    }

    /** {@code pf_<fp>}, compared in place: no substring per trace scored. */
    private static boolean names(String family, String fp) {
        return family.length() == fp.length() + 3 && family.startsWith(fp, 3);
    }

    static long fingerprint(String s) {
        if (s.length() == 16 && HEX.isHexDigit(s.charAt(0))) {
            try {
                return HexFormat.fromHexDigitsToLong(s);
            } catch (IllegalArgumentException notHex) {
                // folded below
            }
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Scores whatever is still held for ordering and renders the report (the scorer stays usable). */
    public ObjectNode report() {
        while (!pending.isEmpty()) score(pending.poll());
        Map<Component, Double> c = components();
        double sum = 0;
        for (var e : c.entrySet()) sum += e.getKey().weight() * e.getValue();
        int wrs = (int) Math.round(100 * sum);
        Band band = Band.of(wrs);

        ObjectNode r = Json.object();
        r.put("object", "diagnostic_report");
        r.put("scoring_version", SCORING_VERSION);
        r.putObject("parameters").put("reuse_window_ms", options.reuseWindowMs()).put("min_prefix_tokens", options.minPrefixTokens());
        r.put("traces_scored", traces);
        r.put("prefix_families_total", families.size());
        r.put("traces_in_untracked_families", untrackedFamilyTraces);
        r.put("wrs", wrs);
        r.put("band", band.label());
        r.put("recommended_action", band.action());
        r.put("recommended_profile", band.profile());
        ObjectNode comps = r.putObject("components");
        for (var e : c.entrySet()) {
            comps.putObject(e.getKey().wireName()).put("value", round(e.getValue(), 4)).put("weight", e.getKey().weight())
                    .put("points", round(100 * e.getKey().weight() * e.getValue(), 2));
        }
        r.set("waterfall", waterfall());
        r.set("prefix_families", familiesJson());
        r.set("reuse_killers", killers());
        return r;
    }

    Map<Component, Double> components() {
        Map<Component, Double> c = new EnumMap<>(Component.class);
        c.put(Component.OPPORTUNITY_RATIO, Component.ratio(candidate, input));
        c.put(Component.RECURRENCE_SCORE, Component.ratio(repeats, traces));
        c.put(Component.RETENTION_LOCALITY, Component.ratio(repeatsWithinWindow, repeats));
        c.put(Component.TTFT_SENSITIVITY, Component.ratio(ttftMs, latencyMs));
        c.put(Component.SESSION_CONTINUITY, Component.ratio(continuing, traces));
        c.put(Component.PAYLOAD_REDUNDANCY, Component.ratio(eligible, input));
        return c;
    }

    private ObjectNode waterfall() {
        ObjectNode w = Json.object();
        String estimated = "trace_estimated";
        stage(w, "total_input_tokens", input, estimated);
        stage(w, "eligible_reuse_tokens", eligible, estimated);
        stage(w, "candidate_reuse_tokens", candidate, estimated);
        stage(w, "realized_reused_tokens", realized, tracesWithCounter > 0 ? "provider_reported" : "unknown");
        stage(w, "missed_opportunity_tokens", candidate - realized, estimated);
        w.put("reuse_capture_rate", tracesWithCounter == 0 || candidate == 0 ? null : round((double) realized / candidate, 4));
        w.put("traces_with_provider_counter", tracesWithCounter);
        w.put("provider_counter_input_share", round(Component.ratio(inputWithCounter, input), 4));
        w.put("traces_with_prefix_marks", tracesWithMarks);
        return w;
    }

    private void stage(ObjectNode w, String name, long tokens, String evidence) {
        w.putObject(name).put("tokens", tokens).put("share", round(Component.ratio(tokens, input), 4)).put("evidence", evidence);
    }

    private ArrayNode familiesJson() {
        List<Family> top = new ArrayList<>(families.values());
        top.sort(Comparator.comparingLong((Family f) -> -f.candidate).thenComparingLong(f -> -f.traces).thenComparing(f -> f.id));
        ArrayNode a = Json.array();
        for (Family f : top.subList(0, Math.min(FAMILIES_LISTED, top.size()))) {
            ObjectNode o = a.addObject();
            o.put("prefix_family_id", f.id);
            o.put("traces", f.traces);
            o.put("input_tokens", f.input);
            o.put("eligible_reuse_tokens", f.eligible);
            o.put("candidate_reuse_tokens", f.candidate);
            o.put("realized_reused_tokens", f.withCounter == 0 ? null : f.realized);
            o.put("missed_opportunity_tokens", f.candidate - f.realized);
            o.put("stable_prefix_tokens", f.stableTokens);
            o.put("gaps_beyond_window", f.gapsBeyondWindow);
        }
        return a;
    }

    private record Killer(String kind, long traces, long tokens, String detail) {}

    private ArrayNode killers() {
        List<Killer> k = new ArrayList<>();
        long singletons = 0;
        long singletonTokens = 0;
        long lowCaptureTraces = 0;
        long lowCaptureTokens = 0;
        int lowCaptureFamilies = 0;
        for (Family f : families.values()) {
            if (f.traces == 1) {
                singletons++;
                singletonTokens += f.eligible;
            }
            if (f.withCounter > 0 && f.candidate >= options.minPrefixTokens() && f.candidate > 0
                    && (double) f.realized / f.candidate < LOW_CAPTURE) {
                lowCaptureFamilies++;
                lowCaptureTraces += f.traces;
                lowCaptureTokens += f.candidate - f.realized;
            }
        }
        long min = options.minPrefixTokens();
        if (belowMinimumTraces > 0) {
            k.add(new Killer("prefix_below_minimum", belowMinimumTraces, belowMinimumTokens, "the stable prefix (or, without "
                    + "prefix marks, the reusable context) is below the " + min + "-token minimum a provider caches, and "
                    + "no longer prefix recurred: put the fixed policy, tools and documents first so the prefix grows past it"));
        }
        if (singletons > 0) {
            k.add(new Killer("fingerprint_never_recurs", singletons, singletonTokens, singletons + " prefix families appear "
                    + "once and never again: a per-request value (a date, an id) in the stable prefix makes every prompt new"));
        }
        if (lowCaptureFamilies > 0) {
            k.add(new Killer("missed_capture", lowCaptureTraces, lowCaptureTokens, lowCaptureFamilies + " families have "
                    + "candidates but the provider reported under " + Math.round(LOW_CAPTURE * 100) + "% of them cached: "
                    + "route a family to one provider account, or use explicit cache breakpoints"));
        }
        if (gapTraces > 0) {
            k.add(new Killer("arrival_gap_beyond_ttl", gapTraces, gapTokens, "repeats of a family arrived more than "
                    + options.reuseWindowMs() + " ms after its previous request, when the provider cache has expired"));
        }
        if (noFamilyTraces > 0) {
            k.add(new Killer("no_prefix_fingerprint", noFamilyTraces, noFamilyTokens, "traces without a prefix_family_id "
                    + "cannot be matched: capture them with zumik proxy or the gateway"));
        }
        k.sort(Comparator.comparingLong((Killer x) -> -x.tokens).thenComparingLong(x -> -x.traces).thenComparing(Killer::kind));
        ArrayNode a = Json.array();
        for (Killer x : k.subList(0, Math.min(KILLERS_LISTED, k.size()))) {
            a.addObject().put("kind", x.kind).put("traces", x.traces).put("tokens", x.tokens)
                    .put("share_of_traces", round(Component.ratio(x.traces, traces), 4)).put("detail", x.detail);
        }
        return a;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
