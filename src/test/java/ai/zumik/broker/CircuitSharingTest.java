package ai.zumik.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link CircuitBreakers} tells and asks its {@link CircuitBreakers.Shared} store, without Redis. */
class CircuitSharingTest {
    private static final long OPEN_MS = 1_000;

    private static final class ManualClock extends Clock {
        long now = 1_700_000_000_000L;

        @Override
        public long millis() {
            return now;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static final class Recording implements CircuitBreakers.Shared {
        final List<String> calls = new ArrayList<>();
        final Map<String, Long> openings = new HashMap<>();

        @Override
        public void opened(String key, long openedAtMs, long openMillis) {
            calls.add("opened " + key + " " + openedAtMs + " " + openMillis);
        }

        @Override
        public void closed(String key) {
            calls.add("closed " + key);
        }

        @Override
        public Long openedAt(String key) {
            return openings.get(key);
        }
    }

    @Test
    void anOpeningIsAnnouncedOnceAndTheClosingProbeClearsIt() {
        ManualClock clock = new ManualClock();
        Recording shared = new Recording();
        CircuitBreakers circuits = new CircuitBreakers(clock, OPEN_MS, shared);
        for (int i = 0; i < CircuitBreakers.CONSECUTIVE; i++) circuits.failure("t");
        assertThat(shared.calls).containsExactly("opened t " + clock.now + " " + OPEN_MS);
        assertThat(circuits.allow("t")).isFalse();

        clock.now += OPEN_MS;
        assertThat(circuits.allow("t")).as("the probe").isTrue();
        circuits.success("t");
        assertThat(shared.calls).containsExactly("opened t " + (clock.now - OPEN_MS) + " " + OPEN_MS, "closed t");
        circuits.success("t");
        assertThat(shared.calls).as("a closed circuit's successes say nothing more").hasSize(2);
    }

    @Test
    void anotherReplicasOpeningKeepsTheTargetOutUntilItExpires() {
        ManualClock clock = new ManualClock();
        Recording shared = new Recording();
        CircuitBreakers circuits = new CircuitBreakers(clock, OPEN_MS, shared);
        shared.openings.put("t", clock.now - 10);
        assertThat(circuits.allow("t")).isFalse();
        assertThat(circuits.state("t")).isEqualTo(CircuitBreakers.State.OPEN);
        assertThat(circuits.state("other")).isEqualTo(CircuitBreakers.State.CLOSED);

        clock.now += OPEN_MS;
        assertThat(circuits.allow("t")).isTrue();
        assertThat(circuits.state("t")).isEqualTo(CircuitBreakers.State.CLOSED);
        assertThat(shared.calls).as("honouring an opening announces nothing").isEmpty();
    }
}
