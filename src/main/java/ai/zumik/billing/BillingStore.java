package ai.zumik.billing;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** JDBC access to a project's billing state: budget, overage mode, credit grants, spend, the alert ladder. Blocking. */
final class BillingStore {
    /** A project's billing state as stored; spend and credit in nano-USD and micro-USD as kept. */
    record Account(String projectId, long createdAtMs, Long updatedAtMs, Long monthlyBudgetMicros, String overageMode,
                   long creditGrantsMicros, long spentNanos, long cycleSpentNanos) {}

    /** A project with a budget, and how far its ladder has gone this cycle. */
    record Ladder(String projectId, long monthlyBudgetMicros, int alertLevel, String alertCycle, long cycleSpentNanos) {}

    private final Database db;

    BillingStore(Database db) {
        this.db = db;
    }

    Optional<Account> account(String projectId, String cycle) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT p.created_at, p.updated_at, p.monthly_budget_micros, "
                    + "p.overage_mode, "
                    + "(SELECT COALESCE(SUM(amount_micros), 0) FROM credit_grants g WHERE g.project_id = p.id), "
                    + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = p.id), "
                    + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = p.id AND s.cycle = ?) "
                    + "FROM projects p WHERE p.id = ?")) {
                ps.setString(1, cycle);
                ps.setString(2, projectId);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.empty();
                long updated = rs.getLong(2);
                Long updatedAt = rs.wasNull() ? null : updated;
                long budget = rs.getLong(3);
                Long budgetMicros = rs.wasNull() ? null : budget;
                return Optional.of(new Account(projectId, rs.getLong(1), updatedAt, budgetMicros, rs.getString(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7)));
            }
        });
    }

    /** Sets the budget and overage mode and re-arms the ladder; false when the project does not exist. */
    boolean setBudget(String projectId, Long monthlyBudgetMicros, String overageMode, long nowMs) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET monthly_budget_micros = ?, overage_mode = ?, "
                    + "alert_level = 0, alert_cycle = NULL, updated_at = ? WHERE id = ?")) {
                if (monthlyBudgetMicros == null) ps.setNull(1, java.sql.Types.BIGINT);
                else ps.setLong(1, monthlyBudgetMicros);
                ps.setString(2, overageMode);
                ps.setLong(3, nowMs);
                ps.setString(4, projectId);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Records a grant; returns its id. */
    String grant(String projectId, long amountMicros, String note, String grantedBy, long nowMs) {
        String id = Ids.next("crd_");
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO credit_grants (id, project_id, amount_micros, note, "
                    + "granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                ps.setLong(3, amountMicros);
                ps.setString(4, note);
                ps.setString(5, grantedBy);
                ps.setLong(6, nowMs);
                return ps.executeUpdate();
            }
        });
        return id;
    }

    /** Every project with a monthly budget, with its spend in {@code cycle}. */
    List<Ladder> ladders(String cycle) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT p.id, p.monthly_budget_micros, p.alert_level, p.alert_cycle, "
                    + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = p.id AND s.cycle = ?) "
                    + "FROM projects p WHERE p.monthly_budget_micros IS NOT NULL")) {
                ps.setString(1, cycle);
                ResultSet rs = ps.executeQuery();
                List<Ladder> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Ladder(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getString(4), rs.getLong(5)));
                }
                return out;
            }
        });
    }

    /**
     * Moves a project's ladder to {@code level} in {@code cycle} unless some replica already did:
     * true for exactly one caller per step.
     */
    boolean climb(String projectId, long budgetMicros, int level, String cycle) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET alert_level = ?, alert_cycle = ? WHERE id = ? "
                    + "AND monthly_budget_micros = ? AND (alert_cycle IS NULL OR alert_cycle <> ? OR alert_level < ?)")) {
                ps.setInt(1, level);
                ps.setString(2, cycle);
                ps.setString(3, projectId);
                ps.setLong(4, budgetMicros);
                ps.setString(5, cycle);
                ps.setInt(6, level);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
