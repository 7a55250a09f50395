package ai.zumik.v2;

import ai.zumik.billing.Billing;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Set;

/**
 * {@code /v2/billing}: the project's account ({@code read}), its monthly budget ({@code admin}),
 * and credit grants to any project ({@code platform}).
 */
public final class BillingHandler {
    public static final String ACCOUNT_PATH = "/v2/billing/account";
    public static final String BUDGET_PATH = "/v2/billing/budget";
    public static final String CREDITS_PATH = "/v2/billing/credits";
    /** A monthly budget or a grant past a billion dollars is a typo. */
    private static final long MAX_USD = 1_000_000_000L;

    private final Billing billing;

    public BillingHandler(Billing billing) {
        this.billing = billing;
    }

    public void account(Exchange ex) {
        String project = ex.principal().projectId();
        ex.offload(() -> billing.account(project).orElseThrow(), a -> ex.sendJson(200, json(a)));
    }

    /**
     * {@code POST /v2/billing/budget {monthly_budget_usd, overage_mode?}}: whole USD, {@code null}
     * removes the budget; {@code overage_mode} {@code pause} (default) refuses inference past it,
     * {@code allow} only alerts. Re-arms the 50/80/100 % alerts.
     */
    public void budget(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("monthly_budget_usd", "overage_mode"));
        if (!req.has("monthly_budget_usd")) throw Params.missing("monthly_budget_usd");
        JsonNode usd = req.get("monthly_budget_usd");
        if (!usd.isNull() && usd.isNumber() && usd.decimalValue().signum() < 0) {
            throw ApiError.invalid("monthly_budget_usd", "integer_below_min_value",
                    "Invalid 'monthly_budget_usd': it must be a whole number of US dollars >= 0, or null to remove the budget.")
                    .exception();
        }
        if (!usd.isNull() && usd.isNumber() && usd.decimalValue().stripTrailingZeros().scale() > 0) {
            throw Params.invalidValue("monthly_budget_usd", "Invalid 'monthly_budget_usd': whole US dollars only, got "
                    + usd.asText() + ".");
        }
        Long dollars = Params.optionalLong(req, "monthly_budget_usd", "monthly_budget_usd", 0, MAX_USD);
        String mode = Params.oneOf(Params.optionalString(req, "overage_mode", "overage_mode"), "overage_mode",
                Set.of("pause", "allow"));
        String project = ex.principal().projectId();
        String by = ex.principal().keyId();
        ex.offload(() -> billing.setBudget(project, dollars == null ? null : dollars * 1_000_000, mode == null ? "pause" : mode, by)
                .orElseThrow(), a -> ex.sendJson(200, json(a)));
    }

    /** {@code POST /v2/billing/credits {project_id, amount_usd | amount_micros, note?}} (platform). */
    public void credits(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("project_id", "amount_usd", "amount_micros", "note"));
        String project = Params.requiredString(req, "project_id", "project_id");
        boolean inUsd = req.hasNonNull("amount_usd");
        if (inUsd == req.hasNonNull("amount_micros")) {
            throw Params.invalidValue(inUsd ? "amount_micros" : "amount_usd",
                    "Give exactly one of 'amount_usd' (whole US dollars) and 'amount_micros'.");
        }
        long micros = inUsd ? Params.optionalLong(req, "amount_usd", "amount_usd", 1, MAX_USD) * 1_000_000
                : Params.optionalLong(req, "amount_micros", "amount_micros", 1, MAX_USD * 1_000_000);
        String note = Params.optionalString(req, "note", "note");
        if (note != null && note.length() > 500) throw Params.invalidValue("note", "Invalid 'note': at most 500 characters.");
        String by = ex.principal().keyId();
        ex.offload(() -> billing.grant(project, micros, note, by)
                .orElseThrow(() -> ApiError.invalid("project_id", "invalid_value", "No project with id '" + project
                        + "' exists.").exception()), a -> ex.sendJson(200, json(a)));
    }

    static ObjectNode json(Billing.Account a) {
        ObjectNode o = Json.object();
        o.put("id", a.projectId());
        o.put("object", "billing_account");
        o.put("project_id", a.projectId());
        o.put("plan", "base");
        o.put("billing_enabled", a.billingEnabled());
        o.put("credit_balance_micros", a.creditBalanceMicros());
        o.put("cycle", a.cycle());
        o.put("cycle_spend_micros", a.cycleSpendMicros());
        if (a.monthlyBudgetMicros() != null) o.put("monthly_budget_micros", a.monthlyBudgetMicros());
        o.put("overage_mode", a.overageMode());
        o.put("created_at", Rfc3339.format(a.createdAtMs()));
        o.put("updated_at", Rfc3339.format(a.updatedAtMs() == null ? a.createdAtMs() : a.updatedAtMs()));
        return o;
    }
}
