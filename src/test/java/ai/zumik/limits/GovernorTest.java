package ai.zumik.limits;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.Principal;
import ai.zumik.keys.Quotas;
import ai.zumik.keys.Scope;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The governor's plan of a key: worked out once per loaded key, and again when the key is reloaded. */
class GovernorTest {
    private static final Governor.Ask ASK = new Governor.Ask() {
        @Override
        public Governor.Estimate estimate(boolean exact) {
            return new Governor.Estimate(10, 10);
        }

        @Override
        public long costNanos(Governor.Estimate e) {
            return 0;
        }
    };

    private static Principal key(long rpm) {
        return new Principal("key_a", "prj_a", EnumSet.of(Scope.INFERENCE),
                new Quotas(rpm, null, null, null, null, null, false, "2026-12", 0, 0, 0, 0));
    }

    private static Admission admit(Governor g, Principal p) {
        AtomicReference<Admission> out = new AtomicReference<>();
        g.admit(p, ASK, Runnable::run, out::set);
        return out.get();
    }

    @Test
    void aReloadedKeyIsGovernedByItsNewLimitsEvenRightAfterTheOldOneOnTheSameThread() {
        LocalCounters counters = new LocalCounters(new CountersTest.ManualClock());
        Governor g = new Governor(LimitDefaults.NONE, counters, counters);
        Principal before = key(1);
        assertThat(admit(g, before)).isInstanceOf(Permit.class);
        assertThat(admit(g, before)).as("the same key object: its plan (rpm 1) still holds").isInstanceOf(Refusal.class);
        Principal raised = key(3);
        assertThat(admit(g, raised)).as("the reloaded key (rpm 3) has its own plan").isInstanceOf(Permit.class);
        assertThat(((Permit) admit(g, raised)).headers().requestLimit()).isEqualTo(3);
        assertThat(admit(g, raised)).isInstanceOf(Refusal.class);
    }
}
