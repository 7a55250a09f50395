package ai.zumik.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Renders a diagnostic report ({@code zumik diagnose}) for a terminal. */
final class DiagnosticText {
    private DiagnosticText() {}

    static void print(JsonNode r, PrintWriter out) {
        out.printf(Locale.ROOT, "Workload Reuse Score: %d / 100  (%s)%n", r.path("wrs").asInt(), r.path("band").asText());
        out.printf(Locale.ROOT, "Recommended action:   %s (profile: %s)%n", r.path("recommended_action").asText(),
                r.path("recommended_profile").asText());
        out.printf(Locale.ROOT, "Traces:               %,d scored, %,d rejected; reuse window %,d ms; minimum prefix %,d tokens%n",
                r.path("lines_scored").asLong(), r.path("lines_rejected").asLong(),
                r.at("/parameters/reuse_window_ms").asLong(), r.at("/parameters/min_prefix_tokens").asLong());
        out.println();
        out.printf(Locale.ROOT, "%-20s %8s %7s %7s%n", "Component", "Value", "Weight", "Points");
        Iterator<Map.Entry<String, JsonNode>> it = r.path("components").properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> c = it.next();
            out.printf(Locale.ROOT, "%-20s %8.4f %7.2f %7.2f%n", c.getKey(), c.getValue().path("value").asDouble(),
                    c.getValue().path("weight").asDouble(), c.getValue().path("points").asDouble());
        }
        out.println();
        JsonNode w = r.path("waterfall");
        out.printf(Locale.ROOT, "%-28s %15s %7s  %s%n", "Reuse waterfall", "Tokens", "Share", "Evidence");
        for (String stage : new String[] {"total_input_tokens", "eligible_reuse_tokens", "candidate_reuse_tokens",
                "realized_reused_tokens", "missed_opportunity_tokens"}) {
            JsonNode s = w.path(stage);
            out.printf(Locale.ROOT, "%-28s %,15d %7s  %s%n", stage, s.path("tokens").asLong(),
                    DiagnoseCommand.percent(s.path("share").asDouble()), s.path("evidence").asText());
        }
        out.println(w.path("reuse_capture_rate").isNull()
                ? "Capture rate: unknown (no trace carries a provider cache counter)"
                : "Capture rate: " + DiagnoseCommand.percent(w.path("reuse_capture_rate").asDouble()) + " of candidates (provider "
                        + "counters on " + DiagnoseCommand.percent(w.path("provider_counter_input_share").asDouble()) + " of input)");
        out.println();
        JsonNode killers = r.path("reuse_killers");
        out.println(killers.isEmpty() ? "Top reuse killers: none found" : "Top reuse killers");
        int i = 1;
        for (JsonNode k : killers) {
            out.printf(Locale.ROOT, "%2d. %s: %,d traces, %,d tokens%n    %s%n", i++, k.path("kind").asText(), k.path("traces").asLong(),
                    k.path("tokens").asLong(), k.path("detail").asText());
        }
        JsonNode families = r.path("prefix_families");
        if (!families.isEmpty()) {
            out.println();
            out.printf(Locale.ROOT, "Prefix families (%,d; most candidate tokens first)%n", r.path("prefix_families_total").asLong());
            out.printf(Locale.ROOT, "  %-22s %9s %13s %13s %13s%n", "family", "traces", "input", "candidate", "realized");
            int shown = 0;
            for (JsonNode f : families) {
                if (shown++ == 10) break;
                out.printf(Locale.ROOT, "  %-22s %,9d %,13d %,13d %13s%n", f.path("prefix_family_id").asText(), f.path("traces").asLong(),
                        f.path("input_tokens").asLong(), f.path("candidate_reuse_tokens").asLong(),
                        f.path("realized_reused_tokens").isNull() ? "unknown" : String.format(Locale.ROOT, "%,d",
                                f.path("realized_reused_tokens").asLong()));
            }
        }
        JsonNode errors = r.path("errors");
        if (!errors.isEmpty()) {
            out.println();
            out.printf(Locale.ROOT, "Rejected lines (%,d; first %d shown)%n", r.path("lines_rejected").asLong(), errors.size());
            for (JsonNode e : errors) out.printf(Locale.ROOT, "  line %d: %s%n", e.path("line").asLong(), e.path("error").asText());
        }
        out.println();
        out.println("Evidence digest: " + r.path("evidence_digest").asText());
    }
}
