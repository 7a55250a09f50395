package ai.zumik.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** Billing cycles are calendar months in UTC, named {@code 2026-12}. */
public final class BillingCycle {
    private BillingCycle() {}

    public static String of(long epochMs) {
        return YearMonth.from(Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC)).toString();
    }

    /** When the cycle after {@code cycle} begins, in epoch milliseconds. */
    public static long endMs(String cycle) {
        return YearMonth.parse(cycle).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}
