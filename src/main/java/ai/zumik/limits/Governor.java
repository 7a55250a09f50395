package ai.zumik.limits;

import ai.zumik.inference.FailureClass;
import ai.zumik.keys.Principal;
import ai.zumik.keys.Quotas;
import ai.zumik.qos.ReasonCode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Decides, for each inference request, whether its key, project and the platform have room for
 * it, and reserves that room (see the package summary for the order and the mechanism). A request
 * that no limit, budget or credit rule applies to costs one pass over a handful of null checks.
 */
public final class Governor {
    /** What a request is expected to use, in the terms prices and token limits need. */
    public record Estimate(long promptTokens, long outputTokens) {
        long total() {
            return promptTokens + outputTokens;
        }
    }

    /** The request's side: estimates are computed only when a slot needs them. */
    public interface Ask {
        /** @param exact count with the model's tokenizer where one exists (a token limit applies) */
        Estimate estimate(boolean exact);

        /** The price of {@code e} on the request's first target, or 0 when it cannot be priced. */
        long costNanos(Estimate e);
    }

    private final LimitDefaults defaults;
    private final Counters counters;
    private final LocalCounters local;
    private final LongAdder[] refusals = new LongAdder[3];
    /** Keyed by the principal object itself (weak keys compare identity): a reloaded key gets a new plan. */
    private final Cache<Principal, Plan> plans = Caffeine.newBuilder().weakKeys().executor(Runnable::run)
            .maximumSize(100_000).build();
    private final ThreadLocal<LastPlan> lastPlan = new ThreadLocal<>();

    /**
     * @param counters where inference limits and budgets are counted (Redis when replicas share one)
     * @param local this node's counters: the read and admin classes are always counted here
     */
    public Governor(LimitDefaults defaults, Counters counters, LocalCounters local) {
        this.defaults = defaults;
        this.counters = counters;
        this.local = local;
        for (int i = 0; i < refusals.length; i++) refusals[i] = new LongAdder();
    }

    public LimitDefaults defaults() {
        return defaults;
    }

    /**
     * Admits or refuses an inference request of {@code p}; {@code then} runs on {@code loop}, or at
     * once when nothing had to leave this thread.
     */
    public void admit(Principal p, Ask ask, Executor loop, Consumer<Admission> then) {
        Plan plan = planOf(p);
        List<Slot> slots = plan.slots();
        if (slots.isEmpty()) {
            then.accept(Permit.FREE);
            return;
        }
        Estimate e = plan.tokenLimited() || plan.budgeted() ? ask.estimate(plan.tokenLimited()) : null;
        long tokens = plan.tokenLimited() ? e.total() : 0;
        long cost = plan.budgeted() ? ask.costNanos(e) : 0;
        if (counters == local) {
            then.accept(decide(slots, local.admit(slots, tokens, cost), tokens, cost));
        } else {
            counters.admit(slots, tokens, cost, v -> {
                Admission a = decide(slots, v, tokens, cost);
                loop.execute(() -> then.accept(a));
            });
        }
    }

    /** The slots of one principal, worked out once per cached principal (the key cache reloads it every few seconds). */
    private record Plan(List<Slot> slots, boolean tokenLimited, boolean budgeted) {}

    /** A thread's last principal and its plan (held apart: a cached plan must not hold its weak key). */
    private record LastPlan(Principal principal, Plan plan) {}

    /**
     * The plan of {@code p}: the one this thread used last when it is for the same principal object
     * (an agent's requests come one after another on one key), else from the cache. The weak-keyed
     * cache lookup was the largest single cost of an admission.
     */
    private Plan planOf(Principal p) {
        LastPlan last = lastPlan.get();
        if (last != null && last.principal() == p) return last.plan();
        Plan plan = plans.get(p, this::plan);
        lastPlan.set(new LastPlan(p, plan));
        return plan;
    }

    private Plan plan(Principal p) {
        Quotas q = p.quotas();
        List<Slot> slots = new ArrayList<>(6);
        long keyRpm = or(q.keyRpm(), defaults.keyRpm());
        long keyTpm = or(q.keyTpm(), defaults.keyTpm());
        if (keyRpm > 0 || keyTpm > 0) slots.add(new Slot.Window("k:" + p.keyId(), keyRpm, keyTpm));
        long projectRpm = or(q.projectRpm(), defaults.projectRpm());
        long projectTpm = or(q.projectTpm(), defaults.projectTpm());
        if (projectRpm > 0 || projectTpm > 0) slots.add(new Slot.Window("p:" + p.projectId(), projectRpm, projectTpm));
        if (defaults.globalRpm() > 0) slots.add(new Slot.Window("g", defaults.globalRpm(), 0));
        int windows = slots.size();
        if (q.keyBudgetMicros() != null) {
            slots.add(new Slot.Budget("bk:" + p.keyId(), Slot.Kind.KEY_BUDGET, q.keyBudgetMicros() * 1_000, q.keySpentNanos()));
        }
        if (q.monthlyBudgetMicros() != null && !q.overageAllowed()) {
            slots.add(new Slot.Budget("bm:" + p.projectId() + ":" + q.cycle(), Slot.Kind.MONTHLY_CAP,
                    q.monthlyBudgetMicros() * 1_000, q.projectCycleSpentNanos()));
        }
        if (defaults.billing()) {
            slots.add(new Slot.Budget("cr:" + p.projectId(), Slot.Kind.CREDITS, q.creditGrantsMicros() * 1_000,
                    q.projectSpentNanos()));
        }
        boolean tokenLimited = false;
        for (int i = 0; i < windows; i++) tokenLimited |= ((Slot.Window) slots.get(i)).tpm() > 0;
        return new Plan(List.copyOf(slots), tokenLimited, slots.size() > windows);
    }

    /** The per-key class limit of a read ({@code admin} false) or admin request, counted on this node; null when allowed. */
    public Refusal checkClass(Principal p, boolean admin) {
        long rpm = admin ? defaults.adminRpm() : defaults.readRpm();
        if (rpm <= 0) return null;
        List<Slot> slot = List.of(new Slot.Window((admin ? "a:" : "r:") + p.keyId(), rpm, 0));
        Verdict v = local.admit(slot, 0, 0);
        return v.admitted() ? null : refusal(slot, v);
    }

    private Admission decide(List<Slot> slots, Verdict v, long tokens, long cost) {
        if (!v.admitted()) return refusal(slots, v);
        return new Permit(slots, v.windowStart(), tokens, cost, v.by(), headers(slots, v));
    }

    /** The tightest window per dimension: the one with the fewest requests (tokens) left. */
    private static RateHeaders headers(List<Slot> slots, Verdict v) {
        Long rl = null, rr = null, rt = null, tl = null, tr = null, tt = null;
        for (int i = 0; i < slots.size(); i++) {
            if (!(slots.get(i) instanceof Slot.Window w)) continue;
            long reset = v.windowStart()[i] + LocalCounters.WINDOW_MS - v.nowMs();
            if (w.rpm() > 0 && (rr == null || w.rpm() - v.used()[i] < rr)) {
                rl = w.rpm();
                rr = Math.max(0, w.rpm() - v.used()[i]);
                rt = reset;
            }
            if (w.tpm() > 0 && (tr == null || w.tpm() - v.reserved()[i] < tr)) {
                tl = w.tpm();
                tr = Math.max(0, w.tpm() - v.reserved()[i]);
                tt = reset;
            }
        }
        return rl == null && tl == null ? null : new RateHeaders(rl, rr, rt, tl, tr, tt);
    }

    private Refusal refusal(List<Slot> slots, Verdict v) {
        Slot s = slots.get(v.refused());
        return switch (s) {
            case Slot.Window w -> {
                refusals[0].increment();
                long seconds = Math.max(1, (v.retryAfterMs() + 999) / 1_000);
                boolean tokens = v.tokensExceeded();
                long limit = tokens ? w.tpm() : w.rpm();
                String who = switch (w.key().charAt(0)) {
                    case 'k' -> "key " + w.key().substring(2);
                    case 'p' -> "project " + w.key().substring(2);
                    case 'r' -> "key " + w.key().substring(2) + " on read endpoints";
                    case 'a' -> "key " + w.key().substring(2) + " on admin endpoints";
                    default -> "this Zumik deployment";
                };
                RateHeaders h = tokens ? new RateHeaders(null, null, null, limit, 0L, v.retryAfterMs())
                        : new RateHeaders(limit, 0L, v.retryAfterMs(), null, null, null);
                yield new Refusal(FailureClass.RATE_LIMIT_EXCEEDED, "Rate limit reached for " + who + " on "
                        + (tokens ? "tokens" : "requests") + " per minute: limit " + limit + ". Please try again in "
                        + seconds + "s.", seconds, ReasonCode.RATE_LIMIT_EXCEEDED, h);
            }
            case Slot.Budget b -> switch (b.kind()) {
                case KEY_BUDGET -> {
                    refusals[1].increment();
                    yield new Refusal(FailureClass.QUOTA_EXCEEDED, "This API key has used its budget of "
                            + usd(b.limitNanos()) + "; raise budget_micros or use another key.", null,
                            ReasonCode.QUOTA_EXCEEDED, null);
                }
                case MONTHLY_CAP -> {
                    refusals[1].increment();
                    yield new Refusal(FailureClass.QUOTA_EXCEEDED, "The project has reached its monthly "
                            + "budget of " + usd(b.limitNanos()) + " (overage_mode: pause); raise it with POST "
                            + "/v2/billing/budget or wait for the next cycle.", null, ReasonCode.QUOTA_EXCEEDED, null);
                }
                case CREDITS -> {
                    refusals[2].increment();
                    yield new Refusal(FailureClass.CREDITS_REQUIRED, "The project's prepaid credit "
                            + "balance is used up; inference resumes when credit is added.", null,
                            ReasonCode.CREDITS_REQUIRED, null);
                }
            };
        };
    }

    private static String usd(long nanos) {
        return String.format(Locale.ROOT, "$%.2f", nanos / 1e9);
    }

    private static long or(Long own, Long fallback) {
        return own != null ? own : fallback != null ? fallback : 0;
    }

    /** Requests refused by rate limits, budgets (key or monthly cap), and missing credit, since start. */
    public long refusedByRateLimits() {
        return refusals[0].sum();
    }

    public long refusedByBudgets() {
        return refusals[1].sum();
    }

    public long refusedForCredits() {
        return refusals[2].sum();
    }

    /** Forgets closed windows and idle budgets of this node's counters (called every minute). */
    public void prune() {
        local.prune();
    }
}
