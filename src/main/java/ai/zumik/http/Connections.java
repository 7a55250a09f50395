package ai.zumik.http;

import ai.zumik.config.ZumikConfig.HttpLimits;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connection counts every event loop shares: how many connections are open, and how many of
 * each client address have not yet carried an authenticated request. A connection is admitted
 * only under both caps; the rest are answered and closed at once, before Zumik reads anything.
 */
public final class Connections {
    /** Why a connection was closed by Zumik rather than by its client. */
    public enum Closed { OVER_MAX_CONNECTIONS, OVER_PER_IP, IDLE_TIMEOUT, HEADER_TIMEOUT, BODY_TIMEOUT, MALFORMED }

    private final HttpLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> unauthenticated = new ConcurrentHashMap<>();
    private final LongAdder[] closed = new LongAdder[Closed.values().length];

    public Connections(HttpLimits limits) {
        this.limits = limits;
        for (int i = 0; i < closed.length; i++) closed[i] = new LongAdder();
    }

    public HttpLimits limits() {
        return limits;
    }

    /** Counts a new connection in, or returns why it may not stay (and counts nothing). */
    Closed admit(InetAddress ip) {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            return Closed.OVER_MAX_CONNECTIONS;
        }
        if (unauthenticated.merge(ip, 1, Integer::sum) > limits.maxUnauthenticatedPerIp()) {
            leaveUnauthenticated(ip);
            open.decrementAndGet();
            return Closed.OVER_PER_IP;
        }
        return null;
    }

    /** The connection carried an authenticated request: it no longer counts against its address. */
    void authenticated(InetAddress ip) {
        leaveUnauthenticated(ip);
    }

    void closed(InetAddress ip, boolean wasAuthenticated) {
        if (!wasAuthenticated) leaveUnauthenticated(ip);
        open.decrementAndGet();
    }

    private void leaveUnauthenticated(InetAddress ip) {
        unauthenticated.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }

    void count(Closed why) {
        closed[why.ordinal()].increment();
    }

    public int open() {
        return open.get();
    }

    public long closedBy(Closed why) {
        return closed[why.ordinal()].sum();
    }
}
