package ai.zumik.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** Billing cycles are calendar months in UTC, named {@code 2026-12}. */
public final class BillingCycle {
    /** The cycle most recently asked about, with its bounds: every usage event asks, and nearly all fall in it. */
    private record Span(long startMs, long endMs, String name) {}

    private static volatile Span last = new Span(0, 0, null);

    private BillingCycle() {}

    public static String of(long epochMs) {
        Span s = last;
        if (epochMs >= s.startMs && epochMs < s.endMs) return s.name;
        YearMonth month = YearMonth.from(Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC));
        long start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        s = new Span(start, endMs(month), month.toString());
        last = s;
        return s.name;
    }

    /** When the cycle after {@code cycle} begins, in epoch milliseconds. */
    public static long endMs(String cycle) {
        return endMs(YearMonth.parse(cycle));
    }

    private static long endMs(YearMonth month) {
        return month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}
