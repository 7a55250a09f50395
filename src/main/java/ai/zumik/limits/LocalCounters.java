package ai.zumik.limits;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Counters in this process. One lock covers a whole admission (a few map lookups and additions),
 * so the slots of one request are checked and taken together and two requests never both take the
 * last place. Windows and idle budgets are dropped by {@link #prune}.
 */
public final class LocalCounters implements Counters {
    static final long WINDOW_MS = 60_000;
    /** A budget nobody has touched for this long is forgotten; it restarts from the database's total. */
    private static final long IDLE_BUDGET_MS = 10 * 60_000;

    private static final class Window {
        long start;
        long requests;
        long tokens;
    }

    private static final class Spend {
        long spent;
        long reserved;
        long touchedMs;
    }

    private final Clock clock;
    private final Map<String, Window> windows = new HashMap<>();
    private final Map<String, Spend> budgets = new HashMap<>();

    public LocalCounters(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void admit(List<Slot> slots, long tokens, long costNanos, Consumer<Verdict> then) {
        then.accept(admit(slots, tokens, costNanos));
    }

    synchronized Verdict admit(List<Slot> slots, long tokens, long costNanos) {
        long now = clock.millis();
        int n = slots.size();
        for (int i = 0; i < n; i++) {
            switch (slots.get(i)) {
                case Slot.Window w -> {
                    Window s = window(w.key(), now);
                    long left = s.start + WINDOW_MS - now;
                    if (w.rpm() > 0 && s.requests + 1 > w.rpm()) return Verdict.refusal(i, false, left, now, this);
                    if (w.tpm() > 0 && s.tokens + tokens > w.tpm()) return Verdict.refusal(i, true, left, now, this);
                }
                case Slot.Budget b -> {
                    Spend s = spend(b, now);
                    if (!b.kind().admits(b.limitNanos(), s.spent, s.reserved, costNanos)) return Verdict.refusal(i, false, 0, now, this);
                }
            }
        }
        long[] start = new long[n];
        long[] used = new long[n];
        long[] reserved = new long[n];
        for (int i = 0; i < n; i++) {
            switch (slots.get(i)) {
                case Slot.Window w -> {
                    Window s = windows.get(w.key());
                    s.requests++;
                    if (w.tpm() > 0) s.tokens += tokens;
                    start[i] = s.start;
                    used[i] = s.requests;
                    reserved[i] = s.tokens;
                }
                case Slot.Budget b -> {
                    Spend s = budgets.get(b.key());
                    s.reserved += costNanos;
                    used[i] = s.spent;
                    reserved[i] = s.reserved;
                }
            }
        }
        return new Verdict(-1, false, 0, now, start, used, reserved, this);
    }

    @Override
    public synchronized void settle(List<Slot> slots, long[] windowStart, long reservedTokens, long actualTokens,
                                    long reservedCost, long actualCost) {
        long now = clock.millis();
        for (int i = 0; i < slots.size(); i++) {
            switch (slots.get(i)) {
                case Slot.Window w -> {
                    Window s = windows.get(w.key());
                    // A window that has turned over since keeps its own count: the request belonged to the last one.
                    if (w.tpm() > 0 && s != null && s.start == windowStart[i]) s.tokens = Math.max(0, s.tokens + actualTokens - reservedTokens);
                }
                case Slot.Budget b -> {
                    Spend s = budgets.get(b.key());
                    if (s == null) continue;
                    s.reserved = Math.max(0, s.reserved - reservedCost);
                    s.spent += actualCost;
                    s.touchedMs = now;
                }
            }
        }
    }

    /** Drops windows that have closed and budgets idle for ten minutes with nothing reserved. */
    public synchronized void prune() {
        long now = clock.millis();
        windows.values().removeIf(w -> now >= w.start + WINDOW_MS);
        budgets.values().removeIf(s -> s.reserved == 0 && now - s.touchedMs > IDLE_BUDGET_MS);
    }

    /** What a budget has spent by this node's count, or -1 when this node does not hold it. */
    public synchronized long spent(String key) {
        Spend s = budgets.get(key);
        return s == null ? -1 : s.spent;
    }

    private Window window(String key, long now) {
        Window w = windows.get(key);
        if (w == null) {
            w = new Window();
            windows.put(key, w);
            w.start = now;
        } else if (now >= w.start + WINDOW_MS) {
            w.start = now;
            w.requests = 0;
            w.tokens = 0;
        }
        return w;
    }

    private Spend spend(Slot.Budget b, long now) {
        Spend s = budgets.get(b.key());
        if (s == null) {
            s = new Spend();
            s.spent = b.baseSpentNanos();
            budgets.put(b.key(), s);
        }
        s.touchedMs = now;
        return s;
    }
}
