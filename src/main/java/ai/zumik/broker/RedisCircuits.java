package ai.zumik.broker;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Circuit openings shared through Redis. An opening is a key {@code <prefix>:circuit:<target>}
 * holding the opening time, expiring with the open interval; closing deletes it. Writes go out on
 * one background thread; a refresher reads every opening every {@value #REFRESH_MS} ms into an
 * immutable snapshot, so {@link #openedAt} is a map lookup on the request path and Redis being
 * slow or down never delays a request (replicas then fall back to their own circuits).
 */
public final class RedisCircuits implements CircuitBreakers.Shared, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCircuits.class);
    static final long REFRESH_MS = 250;

    private final JedisPooled redis;
    private final String prefix;
    private final ExecutorService writes = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
            .name("zumik-redis-circuits").unstarted(r));
    private final Thread refresher;
    private volatile Map<String, Long> snapshot = Map.of();
    private volatile boolean closed;
    private long lastWarning;

    public RedisCircuits(String redisUrl, String prefix) {
        this.redis = new JedisPooled(java.net.URI.create(redisUrl));
        this.prefix = prefix + ":circuit:";
        this.refresher = Thread.ofPlatform().daemon().name("zumik-redis-circuits-refresh").start(this::refreshLoop);
    }

    @Override
    public void opened(String key, long openedAtMs, long openMillis) {
        writes.execute(() -> {
            try {
                redis.set(prefix + key, Long.toString(openedAtMs), SetParams.setParams().px(openMillis));
            } catch (RuntimeException e) {
                warn(e);
            }
        });
    }

    @Override
    public void closed(String key) {
        writes.execute(() -> {
            try {
                redis.del(prefix + key);
            } catch (RuntimeException e) {
                warn(e);
            }
        });
    }

    @Override
    public Long openedAt(String key) {
        return snapshot.get(key);
    }

    private void refreshLoop() {
        while (!closed) {
            try {
                Map<String, Long> next = new HashMap<>();
                String cursor = ScanParams.SCAN_POINTER_START;
                ScanParams match = new ScanParams().match(prefix + "*").count(1000);
                do {
                    ScanResult<String> page = redis.scan(cursor, match);
                    List<String> keys = page.getResult();
                    if (!keys.isEmpty()) {
                        List<String> values = redis.mget(keys.toArray(String[]::new));
                        for (int i = 0; i < keys.size(); i++) {
                            if (values.get(i) != null) next.put(keys.get(i).substring(prefix.length()), Long.parseLong(values.get(i)));
                        }
                    }
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                snapshot = Map.copyOf(next);
            } catch (RuntimeException e) {
                warn(e);
            }
            try {
                Thread.sleep(REFRESH_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void warn(RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastWarning > 60_000) {
            lastWarning = now;
            LOG.warn("shared circuit state unavailable (Redis): {}; circuits stay per replica", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        refresher.interrupt();
        writes.shutdown();
        redis.close();
    }
}
