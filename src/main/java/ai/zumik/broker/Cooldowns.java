package ai.zumik.broker;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/** Targets a provider asked us to leave alone ({@code Retry-After}), until when. Shared by all loops. */
public final class Cooldowns {
    private final Clock clock;
    private final ConcurrentHashMap<String, Long> until = new ConcurrentHashMap<>();

    public Cooldowns(Clock clock) {
        this.clock = clock;
    }

    public void coolDown(String key, long seconds) {
        until.merge(key, clock.millis() + seconds * 1000, Math::max);
    }

    /** Seconds left before {@code key} may be used again, 0 when it may be used now. */
    public long remainingSeconds(String key) {
        Long t = until.get(key);
        if (t == null) return 0;
        long left = t - clock.millis();
        if (left <= 0) {
            until.remove(key, t);
            return 0;
        }
        return (left + 999) / 1000;
    }
}
