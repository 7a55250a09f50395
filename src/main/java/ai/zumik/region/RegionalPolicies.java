package ai.zumik.region;

import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Regional policies, one per project: stored in the database and held in memory so the route
 * planner reads them without I/O. This node sees its own installs at once; installs on other
 * replicas arrive with {@link #refresh()} (every 5 s).
 */
public final class RegionalPolicies {
    private final Database db;
    private final Map<String, RegionalPolicy> byProject = new ConcurrentHashMap<>();
    private final AtomicLong installs = new AtomicLong();

    public RegionalPolicies(Database db) {
        this.db = db;
    }

    /** The project's policy, or {@link RegionalPolicy#NONE}. Never blocks. */
    public RegionalPolicy of(String projectId) {
        return byProject.getOrDefault(projectId, RegionalPolicy.NONE);
    }

    /** Installs (or replaces) the project's policy. Blocking. */
    public void install(RegionalPolicy p) {
        ArrayNode regions = Json.array();
        p.allowedRegions().forEach(regions::add);
        db.transaction(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM regional_policies WHERE project_id = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO regional_policies (project_id, id, region_policy, "
                         + "allowed_regions, data_boundary, updated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                del.setString(1, p.projectId());
                del.executeUpdate();
                ins.setString(1, p.projectId());
                ins.setString(2, p.id());
                ins.setString(3, p.regionPolicy());
                ins.setString(4, Json.text(regions));
                ins.setString(5, p.dataBoundary());
                ins.setLong(6, p.updatedAtMs());
                return ins.executeUpdate();
            }
        });
        synchronized (this) {
            byProject.put(p.projectId(), p);
            installs.incrementAndGet();
        }
    }

    /** Reloads every policy from the database. Blocking. */
    public void refresh() {
        long before = installs.get();
        Map<String, RegionalPolicy> loaded = db.call(c -> {
            Map<String, RegionalPolicy> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT project_id, id, region_policy, allowed_regions, "
                    + "data_boundary, updated_at FROM regional_policies");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), RegionalPolicy.of(rs.getString(2), rs.getString(1), rs.getString(3),
                            regions(rs.getString(4)), rs.getString(5), rs.getLong(6)));
                }
            }
            return out;
        });
        synchronized (this) {
            if (installs.get() != before) return; // a local install raced the read: the next refresh applies
            byProject.keySet().retainAll(loaded.keySet());
            byProject.putAll(loaded);
        }
    }

    private static List<String> regions(String json) {
        List<String> out = new ArrayList<>();
        try {
            for (JsonNode n : Json.parse(json.getBytes(StandardCharsets.UTF_8))) out.add(n.asText());
        } catch (IOException e) {
            throw new IllegalStateException("stored allowed_regions is not JSON", e);
        }
        return out;
    }
}
