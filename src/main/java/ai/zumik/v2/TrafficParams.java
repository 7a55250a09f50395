package ai.zumik.v2;

import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Params;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The traffic a diagnostic or a replay run reads, as both take it: exactly one of {@code traces}
 * (inline trace envelopes, metadata only: a trace carrying prompt text is refused) or
 * {@code traffic_manifest_ref: "usage:N"} (the project's last N usage events). Every refusal names
 * its parameter, down to {@code traces[i].<field>}.
 */
final class TrafficParams {
    private static final Pattern USAGE_REF = Pattern.compile("usage:([0-9]{1,9})");
    private static final List<String> TEXT_FIELDS = List.of("messages", "input", "prompt");

    /**
     * @param traces the inline envelopes, or null
     * @param json the inline envelopes as sent (their bytes are what a report's digest covers), or null
     * @param usageEvents N of {@code usage:N}, or null
     */
    record Traffic(List<TraceEnvelope> traces, ArrayNode json, Integer usageEvents, String ref) {}

    private TrafficParams() {}

    /** @param max traces a run takes, inline or from usage; {@code what} names the run in messages ("a replay run") */
    static Traffic read(ObjectNode req, int max, String what) {
        ArrayNode traces = Params.optionalArray(req, "traces", "traces");
        String ref = Params.optionalString(req, "traffic_manifest_ref", "traffic_manifest_ref");
        if ((traces == null) == (ref == null)) {
            throw ApiError.invalid(traces == null ? "traces" : "traffic_manifest_ref", "invalid_traffic", "Give exactly one of "
                    + "'traces' (inline trace envelopes) or 'traffic_manifest_ref' (\"usage:N\": the project's last N usage "
                    + "events).").exception();
        }
        return traces != null ? new Traffic(inline(traces, max, what), traces, null, null)
                : new Traffic(null, null, usageEvents(ref, max, what), ref);
    }

    private static List<TraceEnvelope> inline(ArrayNode traces, int max, String what) {
        if (traces.isEmpty()) {
            throw ApiError.invalid("traces", "empty_array", "Invalid 'traces': empty array. Expected at least one trace.").exception();
        }
        if (traces.size() > max) throw tooMany("traces", traces.size(), max, what);
        List<TraceEnvelope> out = new ArrayList<>(traces.size());
        for (int i = 0; i < traces.size(); i++) {
            JsonNode t = traces.get(i);
            String at = "traces[" + i + "]";
            if (!t.isObject()) throw Params.wrongType(at, "a trace envelope object", t);
            for (String text : TEXT_FIELDS) {
                String where = t.has(text) ? at + "." + text : t.path("request").has(text) ? at + ".request." + text : null;
                if (where != null) {
                    throw ApiError.invalid(where, "prompt_text_not_accepted", "Invalid '" + where + "': traces are "
                            + "metadata only; raw prompt text is neither required nor accepted.").exception();
                }
            }
            try {
                out.add(TraceEnvelope.fromJson(t));
            } catch (IllegalArgumentException e) {
                String msg = e.getMessage();
                int colon = msg.indexOf(": ");
                String field = colon > 0 ? at + "." + msg.substring(0, colon) : at;
                throw Params.invalidValue(field, "Invalid '" + field + "': " + (colon > 0 ? msg.substring(colon + 2) : msg) + ".");
            }
        }
        return out;
    }

    private static int usageEvents(String ref, int max, String what) {
        Matcher m = USAGE_REF.matcher(ref);
        if (!m.matches()) {
            throw Params.invalidValue("traffic_manifest_ref", "Invalid 'traffic_manifest_ref': expected \"usage:N\" "
                    + "(the project's last N usage events, 1 to " + max + ").");
        }
        long n = Long.parseLong(m.group(1));
        if (n > max) throw tooMany("traffic_manifest_ref", n, max, what);
        if (n < 1) throw Params.invalidValue("traffic_manifest_ref", "Invalid 'traffic_manifest_ref': N must be at least 1.");
        return (int) n;
    }

    private static ApiException tooMany(String param, long n, int max, String what) {
        return ApiError.invalid(param, "too_many_traces", "Invalid '" + param + "': " + n + " traces; " + what + " takes at most "
                + String.format(Locale.ROOT, "%,d", max) + ".").exception();
    }
}
