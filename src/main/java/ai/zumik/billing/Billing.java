package ai.zumik.billing;

import ai.zumik.audit.AuditLog;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.metering.UsageMeter;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A project's billing account: reading it, setting its budget, granting credit, and the alert ladder. */
public final class Billing {
    /** The ladder's steps, in percent of the monthly budget. */
    static final int[] LADDER = {50, 80, 100};
    /** How many projects' budget levels /metrics shows (a closed, small label set). */
    static final int LEVELS_SHOWN = 20;

    /**
     * A billing account as the API shows it (micro-USD).
     *
     * @param creditBalanceMicros credit granted less everything spent (negative when spend ran past it
     *     with billing off, or by the last request's overshoot)
     */
    public record Account(String projectId, long creditBalanceMicros, long cycleSpendMicros, Long monthlyBudgetMicros,
                          String overageMode, String cycle, boolean billingEnabled, long createdAtMs, Long updatedAtMs) {}

    private final BillingStore store;
    private final Clock clock;
    private final UsageMeter meter;
    private final ApiKeyService keys;
    private final AuditLog audit;
    private final AlertWebhook webhook;
    private final boolean billingEnabled;
    private volatile Map<String, long[]> levels = Map.of();

    /** @param webhook where alerts are POSTed, or null */
    public Billing(Database db, Clock clock, UsageMeter meter, ApiKeyService keys, AuditLog audit, AlertWebhook webhook,
                   boolean billingEnabled) {
        this.store = new BillingStore(db);
        this.clock = clock;
        this.meter = meter;
        this.keys = keys;
        this.audit = audit;
        this.webhook = webhook;
        this.billingEnabled = billingEnabled;
    }

    /** The account of {@code projectId} with every committed event's spend in it. Blocking. */
    public Optional<Account> account(String projectId) {
        meter.awaitVisible();
        String cycle = BillingCycle.of(clock.millis());
        return store.account(projectId, cycle).map(a -> new Account(a.projectId(),
                a.creditGrantsMicros() - micros(a.spentNanos()), micros(a.cycleSpentNanos()), a.monthlyBudgetMicros(),
                a.overageMode(), cycle, billingEnabled, a.createdAtMs(), a.updatedAtMs()));
    }

    /** Sets the monthly budget (null removes it) and overage mode, re-arming the alert ladder. Blocking. */
    public Optional<Account> setBudget(String projectId, Long monthlyBudgetMicros, String overageMode, String byKey) {
        if (!store.setBudget(projectId, monthlyBudgetMicros, overageMode, clock.millis())) return Optional.empty();
        keys.invalidate();
        ObjectNode d = Json.object();
        d.put("monthly_budget_micros", monthlyBudgetMicros);
        d.put("overage_mode", overageMode);
        d.put("by_key", byKey);
        audit.record(projectId, "billing.budget_set", d);
        return account(projectId);
    }

    /** Grants {@code micros} of prepaid credit to {@code projectId}. Blocking. */
    public Optional<Account> grant(String projectId, long micros, String note, String byKey) {
        if (store.account(projectId, BillingCycle.of(clock.millis())).isEmpty()) return Optional.empty();
        String id = store.grant(projectId, micros, note, byKey, clock.millis());
        keys.invalidate();
        ObjectNode d = Json.object();
        d.put("grant_id", id);
        d.put("amount_micros", micros);
        d.put("note", note);
        d.put("by_key", byKey);
        audit.record(projectId, "billing.credit_granted", d);
        return account(projectId);
    }

    /**
     * Fires the ladder steps that stored spend has reached: each step once per cycle and budget
     * (the conditional update picks one replica), highest reached step only when several were
     * crossed at once. Called every few seconds off the event loops.
     */
    public void checkAlerts() {
        String cycle = BillingCycle.of(clock.millis());
        List<BillingStore.Ladder> ladders = store.ladders(cycle);
        levels = levels(ladders);
        for (BillingStore.Ladder l : ladders) {
            long budgetNanos = l.monthlyBudgetMicros() * 1_000;
            int reached = 0;
            for (int step : LADDER) {
                // A zero budget is spent before anything is: its ladder is at 100 at once.
                if (l.cycleSpentNanos() * 100 >= budgetNanos * step) {
                    reached = step;
                }
            }
            int done = cycle.equals(l.alertCycle()) ? l.alertLevel() : 0;
            if (reached <= done || !store.climb(l.projectId(), l.monthlyBudgetMicros(), reached, cycle)) continue;
            ObjectNode alert = Json.object();
            alert.put("id", Ids.next("bal_"));
            alert.put("object", "budget_alert");
            alert.put("type", "budget.threshold_reached");
            alert.put("project_id", l.projectId());
            alert.put("threshold_percent", reached);
            alert.put("cycle", cycle);
            alert.put("monthly_budget_micros", l.monthlyBudgetMicros());
            alert.put("cycle_spend_micros", micros(l.cycleSpentNanos()));
            alert.put("created_at", Instant.ofEpochMilli(clock.millis()).toString());
            audit.record(l.projectId(), "billing.budget_alert", alert.deepCopy());
            if (webhook != null) webhook.send(alert);
        }
    }

    /**
     * Spend against budget for /metrics, as of the last alert check: {spent micros, budget micros}
     * per project, at most {@link #LEVELS_SHOWN} projects, the ones nearest or past their cap.
     */
    public Map<String, long[]> levels() {
        return levels;
    }

    private static Map<String, long[]> levels(List<BillingStore.Ladder> ladders) {
        return ladders.stream()
                .sorted(Comparator.comparingDouble((BillingStore.Ladder l) ->
                        l.cycleSpentNanos() / 1_000.0 / Math.max(1, l.monthlyBudgetMicros())).reversed())
                .limit(LEVELS_SHOWN)
                .collect(Collectors.toUnmodifiableMap(BillingStore.Ladder::projectId,
                        l -> new long[] {micros(l.cycleSpentNanos()), l.monthlyBudgetMicros()}));
    }

    static long micros(long nanos) {
        return Math.floorDiv(nanos + 500, 1_000);
    }
}
