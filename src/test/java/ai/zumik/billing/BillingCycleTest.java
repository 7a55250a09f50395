package ai.zumik.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BillingCycleTest {
    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aCycleIsTheUtcCalendarMonthOnBothSidesOfItsBounds() {
        assertThat(BillingCycle.of(ms("2026-12-01T00:00:00Z"))).isEqualTo("2026-12");
        assertThat(BillingCycle.of(ms("2026-12-31T23:59:59.999Z"))).isEqualTo("2026-12");
        assertThat(BillingCycle.of(ms("2027-01-01T00:00:00Z"))).isEqualTo("2027-01");
        assertThat(BillingCycle.of(ms("2026-11-30T23:59:59.999Z"))).isEqualTo("2026-11");
        // Back and forth across a boundary: the remembered month never answers for another one.
        for (int i = 0; i < 3; i++) {
            assertThat(BillingCycle.of(ms("2026-12-15T12:00:00Z"))).isEqualTo("2026-12");
            assertThat(BillingCycle.of(ms("2024-02-29T23:00:00Z"))).isEqualTo("2024-02");
            assertThat(BillingCycle.of(ms("2024-03-01T00:00:00Z"))).isEqualTo("2024-03");
        }
        assertThat(BillingCycle.of(0)).isEqualTo("1970-01");
    }

    @Test
    void aCycleEndsWhereTheNextBegins() {
        assertThat(BillingCycle.endMs("2026-12")).isEqualTo(ms("2027-01-01T00:00:00Z"));
        assertThat(BillingCycle.endMs("2024-02")).isEqualTo(ms("2024-03-01T00:00:00Z"));
    }
}
