package ai.zumik.broker;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One circuit breaker per target (profile, path, provider, model), shared by every event loop.
 *
 * <pre>
 *   CLOSED --5 consecutive failures, or >= 50% of the last 20 outcomes (10+) failed--> OPEN
 *   OPEN --after the open interval--> HALF_OPEN: one probe request at a time is let through
 *   HALF_OPEN --probe succeeds--> CLOSED;  --probe fails--> OPEN again
 * </pre>
 * A probe is granted when a request is planned, and the request may end without ever calling
 * the target (refused, served by an earlier target, cancelled); a probe that has not reported
 * back within one open interval is therefore presumed lost, and the next caller probes instead.
 * Only availability failures count (connect, timeouts, 5xx, overload, 429, refused managed key);
 * a provider rejecting a bad request says nothing about its health.
 */
public final class CircuitBreakers {
    static final int CONSECUTIVE = 5;
    static final int WINDOW = 20;
    static final int MIN_IN_WINDOW = 10;

    /** Circuit states as reported in decision records. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final Clock clock;
    private final long openMillis;
    private final ConcurrentHashMap<String, Circuit> circuits = new ConcurrentHashMap<>();

    public CircuitBreakers(Clock clock, long openMillis) {
        this.clock = clock;
        this.openMillis = openMillis;
    }

    /** True when a request may go to {@code key} now (a half-open circuit admits one probe). */
    public boolean allow(String key) {
        Circuit c = circuits.get(key);
        return c == null || c.allow(clock.millis(), openMillis);
    }

    public State state(String key) {
        Circuit c = circuits.get(key);
        return c == null ? State.CLOSED : c.state(clock.millis(), openMillis);
    }

    public void success(String key) {
        Circuit c = circuits.get(key);
        if (c != null) c.record(true, clock.millis());
    }

    public void failure(String key) {
        circuits.computeIfAbsent(key, k -> new Circuit()).record(false, clock.millis());
    }

    private static final class Circuit {
        private final boolean[] window = new boolean[WINDOW];
        private int size;
        private int next;
        private int consecutive;
        private long openedAt = -1;
        private boolean probing;
        private long probeGrantedAt;

        synchronized boolean allow(long now, long openMillis) {
            if (openedAt < 0) return true;
            if (now - openedAt < openMillis || probing && now - probeGrantedAt < openMillis) return false;
            probing = true; // half-open: this caller is the probe
            probeGrantedAt = now;
            return true;
        }

        synchronized State state(long now, long openMillis) {
            if (openedAt < 0) return State.CLOSED;
            return now - openedAt < openMillis ? State.OPEN : State.HALF_OPEN;
        }

        synchronized void record(boolean ok, long now) {
            window[next] = ok;
            next = (next + 1) % WINDOW;
            size = Math.min(WINDOW, size + 1);
            if (ok) {
                consecutive = 0;
                if (openedAt >= 0) {
                    openedAt = -1; // the probe succeeded
                    size = 0;
                    next = 0;
                }
                probing = false;
                return;
            }
            consecutive++;
            int failed = 0;
            for (int i = 0; i < size; i++) if (!window[i]) failed++;
            boolean trip = consecutive >= CONSECUTIVE || size >= MIN_IN_WINDOW && failed * 2 >= size;
            if (openedAt >= 0 || trip) {
                openedAt = now;
                probing = false;
            }
        }
    }
}
