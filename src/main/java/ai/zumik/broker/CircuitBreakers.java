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
 * a provider rejecting a bad request says nothing about its health. With Redis configured an
 * opening is shared: every replica keeps the target out until the opener's interval expires.
 */
public final class CircuitBreakers {
    static final int CONSECUTIVE = 5;
    static final int WINDOW = 20;
    static final int MIN_IN_WINDOW = 10;

    /** Circuit states as reported in decision records. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /**
     * Where openings are shared with other replicas (Redis when {@code ZUMIK_REDIS_URL} is set):
     * a replica that opens a circuit announces it, every replica honours it until it expires.
     * {@link #openedAt} must not block.
     */
    public interface Shared {
        void opened(String key, long openedAtMs, long openMillis);

        void closed(String key);

        /** When another replica opened {@code key}, or null. */
        Long openedAt(String key);
    }

    /** No sharing: one node. */
    public static final Shared LOCAL = new Shared() {
        @Override
        public void opened(String key, long openedAtMs, long openMillis) {}

        @Override
        public void closed(String key) {}

        @Override
        public Long openedAt(String key) {
            return null;
        }
    };

    private static final int OPENED = 1;
    private static final int CLOSED = 2;

    private final Clock clock;
    private final long openMillis;
    private final Shared shared;
    private final ConcurrentHashMap<String, Circuit> circuits = new ConcurrentHashMap<>();

    public CircuitBreakers(Clock clock, long openMillis) {
        this(clock, openMillis, LOCAL);
    }

    public CircuitBreakers(Clock clock, long openMillis, Shared shared) {
        this.clock = clock;
        this.openMillis = openMillis;
        this.shared = shared;
    }

    /** True when a request may go to {@code key} now (a half-open circuit admits one probe). */
    public boolean allow(String key) {
        long now = clock.millis();
        Long remote = shared.openedAt(key);
        if (remote != null && now - remote < openMillis) return false;
        Circuit c = circuits.get(key);
        return c == null || c.allow(now, openMillis);
    }

    public State state(String key) {
        long now = clock.millis();
        Long remote = shared.openedAt(key);
        if (remote != null && now - remote < openMillis) return State.OPEN;
        Circuit c = circuits.get(key);
        return c == null ? State.CLOSED : c.state(now, openMillis);
    }

    /** Every target with a circuit this process has seen fail: 0 closed, 1 half-open, 2 open (for /metrics). */
    public java.util.Map<String, Integer> states() {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        for (String key : circuits.keySet()) {
            out.put(key, switch (state(key)) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
            });
        }
        return out;
    }

    public void success(String key) {
        Circuit c = circuits.get(key);
        if (c != null && c.record(true, clock.millis()) == CLOSED) shared.closed(key);
    }

    public void failure(String key) {
        long now = clock.millis();
        if (circuits.computeIfAbsent(key, k -> new Circuit()).record(false, now) == OPENED) {
            shared.opened(key, now, openMillis);
        }
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

        /** Records an outcome; returns {@link #OPENED} when the open interval (re)starts, {@link #CLOSED} when a probe closes it, else 0. */
        synchronized int record(boolean ok, long now) {
            window[next] = ok;
            next = (next + 1) % WINDOW;
            size = Math.min(WINDOW, size + 1);
            if (ok) {
                consecutive = 0;
                probing = false;
                if (openedAt >= 0) {
                    openedAt = -1; // the probe succeeded
                    size = 0;
                    next = 0;
                    return CLOSED;
                }
                return 0;
            }
            consecutive++;
            int failed = 0;
            for (int i = 0; i < size; i++) if (!window[i]) failed++;
            boolean trip = consecutive >= CONSECUTIVE || size >= MIN_IN_WINDOW && failed * 2 >= size;
            if (openedAt >= 0 || trip) {
                openedAt = now; // tripped, a failed probe, or a late failure: the interval restarts
                probing = false;
                return OPENED;
            }
            return 0;
        }
    }
}
