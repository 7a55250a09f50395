package ai.zumik.v2;

import ai.zumik.broker.CircuitBreakers;
import ai.zumik.broker.Cooldowns;
import ai.zumik.http.Exchange;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageAnalytics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /v2/providers/health}: per target the project's recent responses were sent to (the
 * attempts of its newest {@link #RESPONSES} responses of the last {@link #WINDOW_MS} ms), that
 * target's circuit state and cool-down now, its attempts and failures in the window, and the most
 * recent failed attempts. Only targets the project itself used are shown, so a BYOK target of
 * another project (its path names the credential) never appears.
 */
public final class ProviderHealthHandler {
    public static final String PATH = "/v2/providers/health";
    static final long WINDOW_MS = 15 * 60_000L;
    static final int RESPONSES = 500;
    static final int RECENT_FAILURES = 20;

    private final UsageAnalytics analytics;
    private final CircuitBreakers circuits;
    private final Cooldowns cooldowns;
    private final Clock clock;

    public ProviderHealthHandler(UsageAnalytics analytics, CircuitBreakers circuits, Cooldowns cooldowns, Clock clock) {
        this.analytics = analytics;
        this.circuits = circuits;
        this.cooldowns = cooldowns;
        this.clock = clock;
    }

    private static final class TargetHealth {
        final ObjectNode target;
        long attempts;
        long failures;
        ObjectNode lastFailure;

        TargetHealth(ObjectNode target) {
            this.target = target;
        }
    }

    public void get(Exchange ex) {
        String project = ex.principal().projectId();
        long now = clock.millis();
        ex.offload(() -> analytics.recentAttempts(project, now - WINDOW_MS, RESPONSES), rows -> {
            Map<String, TargetHealth> targets = new LinkedHashMap<>();
            ArrayNode failures = Json.array();
            for (var row : rows) {
                JsonNode attempts = parse(row.attempts());
                if (attempts == null || !attempts.isArray()) continue;
                for (JsonNode a : attempts) {
                    JsonNode t = a.path("target");
                    String key = Json.string(t, "execution_profile") + '|' + Json.string(t, "endpoint") + '|'
                            + Json.string(t, "provider") + '/' + Json.string(t, "model");
                    TargetHealth h = targets.computeIfAbsent(key, k -> new TargetHealth(Json.object()
                            .put("execution_profile", Json.string(t, "execution_profile"))
                            .put("endpoint", Json.string(t, "endpoint"))
                            .put("provider", Json.string(t, "provider"))
                            .put("model", Json.string(t, "model"))));
                    h.attempts++;
                    String failureClass = Json.string(a, "failure_class");
                    if (failureClass == null) continue;
                    h.failures++;
                    ObjectNode f = Json.object();
                    f.put("response_id", row.responseId());
                    f.put("trace_id", row.traceId());
                    f.put("at", Rfc3339.format(a.path("started_at_ms").asLong(row.createdAtMs())));
                    f.put("provider", Json.string(t, "provider"));
                    f.put("model", Json.string(t, "model"));
                    f.put("endpoint", Json.string(t, "endpoint"));
                    f.put("http_status", a.path("http_status").asInt());
                    f.put("failure_class", failureClass);
                    f.put("retry_cause", Json.string(a, "retry_cause"));
                    if (h.lastFailure == null) h.lastFailure = f;
                    if (failures.size() < RECENT_FAILURES) failures.add(f);
                }
            }
            ObjectNode root = Json.object();
            root.put("object", "provider_health");
            root.put("as_of", Rfc3339.format(now));
            root.put("window_seconds", WINDOW_MS / 1000);
            root.put("responses_examined", rows.size());
            ArrayNode out = root.putArray("targets");
            for (var e : targets.entrySet()) {
                TargetHealth h = e.getValue();
                ObjectNode o = out.addObject();
                o.setAll(h.target);
                o.put("circuit_state", circuits.state(e.getKey()).name().toLowerCase(Locale.ROOT));
                o.put("cooldown_remaining_seconds", cooldowns.remainingSeconds(e.getKey()));
                o.put("attempts", h.attempts);
                o.put("failures", h.failures);
                o.set("last_failure", h.lastFailure);
            }
            root.set("recent_failures", failures);
            ex.sendJson(200, root);
        });
    }

    private static JsonNode parse(String json) {
        return json == null ? null : Json.parseOrNull(json.getBytes(StandardCharsets.UTF_8));
    }
}
