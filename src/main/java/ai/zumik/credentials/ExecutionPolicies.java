package ai.zumik.credentials;

import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each project's execution policy, in {@code execution_policies}: today its {@code byok_defaults},
 * the credential a concrete model request for a provider runs on (an alias's release says per
 * target). Held in memory for the planner like regional policies: this replica sees its own
 * changes at once, others' within {@link #refresh()}'s period (5 s).
 */
public final class ExecutionPolicies {
    /** A project's policy; {@code byokDefaults} maps a provider to a credential id. */
    public record Policy(String id, String projectId, Map<ProviderId, String> byokDefaults, long updatedAtMs) {
        public static final Policy NONE = new Policy(null, null, Map.of(), 0);
    }

    private final Database db;
    private final Clock clock;
    private final Map<String, Policy> byProject = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();

    public ExecutionPolicies(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The project's policy, or {@link Policy#NONE}. Never blocks. */
    public Policy of(String projectId) {
        return byProject.getOrDefault(projectId, Policy.NONE);
    }

    /** The credential the project runs {@code provider}'s concrete models on, or null. Never blocks. */
    public String byokDefault(String projectId, ProviderId provider) {
        return of(projectId).byokDefaults().get(provider);
    }

    /** Installs (replaces) the project's policy in one transaction. Blocking. */
    public Policy install(String projectId, Map<ProviderId, String> byokDefaults) {
        long now = clock.millis();
        Policy p = new Policy(Ids.next("xpl_", now), projectId, Collections.unmodifiableMap(copy(byokDefaults)), now);
        db.transaction(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM execution_policies WHERE project_id = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO execution_policies (project_id, id, byok_defaults, "
                         + "updated_at) VALUES (?, ?, ?, ?)")) {
                del.setString(1, projectId);
                del.executeUpdate();
                ins.setString(1, projectId);
                ins.setString(2, p.id());
                ins.setString(3, Json.text(json(p.byokDefaults())));
                ins.setLong(4, now);
                return ins.executeUpdate();
            }
        });
        synchronized (this) {
            byProject.put(projectId, p);
            changes.incrementAndGet();
        }
        return p;
    }

    /** Reloads every policy. Blocking; every 5 s off the event loop. */
    public void refresh() {
        long before = changes.get();
        Map<String, Policy> loaded = db.call(c -> {
            Map<String, Policy> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT project_id, id, byok_defaults, updated_at FROM execution_policies");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Policy(rs.getString(2), rs.getString(1), parse(rs.getString(3)), rs.getLong(4)));
                }
            }
            return out;
        });
        synchronized (this) {
            if (changes.get() != before) return;
            byProject.keySet().retainAll(loaded.keySet());
            byProject.putAll(loaded);
        }
    }

    /** {@code {provider: credential id}} in provider order. */
    public static ObjectNode json(Map<ProviderId, String> defaults) {
        ObjectNode o = Json.object();
        copy(defaults).forEach((p, id) -> o.put(p.wireId(), id));
        return o;
    }

    private static EnumMap<ProviderId, String> copy(Map<ProviderId, String> m) {
        EnumMap<ProviderId, String> out = new EnumMap<>(ProviderId.class);
        out.putAll(m);
        return out;
    }

    private static Map<ProviderId, String> parse(String json) {
        Map<ProviderId, String> out = new EnumMap<>(ProviderId.class);
        try {
            JsonNode o = Json.parse(json.getBytes(StandardCharsets.UTF_8));
            o.properties().forEach(e -> ProviderId.parse(e.getKey()).ifPresent(p -> out.put(p, e.getValue().asText())));
        } catch (IOException e) {
            throw new IllegalStateException("stored byok_defaults is not JSON", e);
        }
        return Collections.unmodifiableMap(out);
    }
}
