package ai.zumik.limits;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Counters shared by every replica through Redis: one Lua script admits a request against all its
 * slots atomically (Redis runs a script alone), reading the clock from Redis's own {@code TIME} so
 * replicas agree on window boundaries; another settles it. Windows are hashes {@code s} (start),
 * {@code r} (requests), {@code t} (tokens) expiring two minutes after they open; budgets are hashes
 * {@code spent}, {@code resv}, where {@code spent} starts from the database's total the first time
 * any replica meets the budget.
 *
 * <p>Redis is never allowed to hang a request: calls time out after {@code ZUMIK_REDIS_TIMEOUT_MS}
 * (100 ms by default), and when Redis fails the request is counted by this replica's own
 * {@link LocalCounters} instead — each replica then enforces the limits alone, so N replicas may
 * admit up to N times a limit until Redis is back. For five seconds after a failure Redis is not
 * tried at all; every fallback is counted in {@code zumik_limits_redis_fallbacks_total} and logged
 * (at most once a minute).
 */
public final class RedisCounters implements Counters, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCounters.class);
    private static final long RETRY_AFTER_FAILURE_MS = 5_000;

    /** ARGV: per slot a triple (kind, a, b), then tokens, cost. Kinds: w (a=rpm, b=tpm), b/m/c (a=limit, b=base). */
    static final String ADMIT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local n = #KEYS
            local tokens = tonumber(ARGV[3 * n + 1])
            local cost = tonumber(ARGV[3 * n + 2])
            local starts = {}
            for i = 1, n do
              local kind = ARGV[3 * i - 2]
              local a = tonumber(ARGV[3 * i - 1])
              local b = tonumber(ARGV[3 * i])
              if kind == 'w' then
                local h = redis.call('HMGET', KEYS[i], 's', 'r', 't')
                local s = tonumber(h[1])
                local r = tonumber(h[2]) or 0
                local tk = tonumber(h[3]) or 0
                if (not s) or now >= s + 60000 then s = now; r = 0; tk = 0; redis.call('DEL', KEYS[i]) end
                starts[i] = s
                if a > 0 and r + 1 > a then return {i, 1, s + 60000 - now, now} end
                if b > 0 and tk + tokens > b then return {i, 2, s + 60000 - now, now} end
              else
                local h = redis.call('HMGET', KEYS[i], 'spent', 'resv')
                local spent = tonumber(h[1]) or b
                local resv = tonumber(h[2]) or 0
                if kind == 'c' then
                  if spent + resv >= a then return {i, 3, 0, now} end
                elseif spent + resv + cost > a then return {i, 3, 0, now} end
              end
            end
            local out = {0, 0, 0, now}
            for i = 1, n do
              if ARGV[3 * i - 2] == 'w' then
                redis.call('HSETNX', KEYS[i], 's', string.format('%d', starts[i]))
                local r = redis.call('HINCRBY', KEYS[i], 'r', 1)
                local tk = 0
                if tonumber(ARGV[3 * i]) > 0 then tk = redis.call('HINCRBY', KEYS[i], 't', ARGV[3 * n + 1])
                else tk = tonumber(redis.call('HGET', KEYS[i], 't') or '0') end
                redis.call('PEXPIREAT', KEYS[i], starts[i] + 120000)
                out[#out + 1] = string.format('%d', starts[i]); out[#out + 1] = r; out[#out + 1] = tk
              else
                redis.call('HSETNX', KEYS[i], 'spent', ARGV[3 * i])
                local resv = redis.call('HINCRBY', KEYS[i], 'resv', ARGV[3 * n + 2])
                out[#out + 1] = '0'; out[#out + 1] = redis.call('HGET', KEYS[i], 'spent'); out[#out + 1] = resv
              end
            end
            return out
            """;

    /** ARGV: per slot a triple (kind, a, b): windows (w, start, token delta), budgets (b, reserved, actual). */
    static final String SETTLE = """
            for i = 1, #KEYS do
              local kind = ARGV[3 * i - 2]
              if kind == 'w' then
                if tonumber(ARGV[3 * i]) ~= 0 and redis.call('HGET', KEYS[i], 's') == ARGV[3 * i - 1] then
                  local tk = redis.call('HINCRBY', KEYS[i], 't', ARGV[3 * i])
                  if tk < 0 then redis.call('HSET', KEYS[i], 't', 0) end
                end
              elseif redis.call('EXISTS', KEYS[i]) == 1 then
                local resv = redis.call('HINCRBY', KEYS[i], 'resv', -tonumber(ARGV[3 * i - 1]))
                if resv < 0 then redis.call('HSET', KEYS[i], 'resv', 0) end
                redis.call('HINCRBY', KEYS[i], 'spent', ARGV[3 * i])
              end
            end
            return 0
            """;

    private final JedisPooled redis;
    private final String prefix;
    private final Executor blocking;
    private final LocalCounters fallback;
    private final LongAdder fallbacks = new LongAdder();
    private volatile String admitSha;
    private volatile String settleSha;
    private volatile long downUntilMs;
    private long lastWarningMs;

    /**
     * @param blocking where the blocking Redis calls run (virtual threads)
     * @param fallback this replica's own counters, used while Redis is unreachable
     */
    public RedisCounters(String redisUrl, String prefix, int timeoutMs, Executor blocking, LocalCounters fallback) {
        URI uri = URI.create(redisUrl);
        var config = DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs)
                .blockingSocketTimeoutMillis(timeoutMs);
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon > 0) config.user(userInfo.substring(0, colon));
            config.password(colon >= 0 ? userInfo.substring(colon + 1) : userInfo);
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) config.database(Integer.parseInt(path.substring(1)));
        // One pooled connection per request in flight: the default 8 would queue a busy replica's checks.
        var pool = new org.apache.commons.pool2.impl.GenericObjectPoolConfig<redis.clients.jedis.Connection>();
        pool.setMaxTotal(256);
        pool.setMaxIdle(256);
        pool.setMinIdle(8);
        this.redis = new JedisPooled(pool, new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), config.build());
        this.prefix = prefix + ":limits:";
        this.blocking = blocking;
        this.fallback = fallback;
    }

    @Override
    public void admit(List<Slot> slots, long tokens, long costNanos, Consumer<Verdict> then) {
        if (System.currentTimeMillis() < downUntilMs) {
            fallback.admit(slots, tokens, costNanos, then);
            return;
        }
        blocking.execute(() -> {
            Verdict v;
            try {
                v = admitInRedis(slots, tokens, costNanos);
            } catch (RuntimeException e) {
                failed(e);
                v = fallback.admit(slots, tokens, costNanos);
            }
            then.accept(v);
        });
    }

    private Verdict admitInRedis(List<Slot> slots, long tokens, long costNanos) {
        int n = slots.size();
        List<String> keys = new ArrayList<>(n);
        List<String> args = new ArrayList<>(3 * n + 2);
        for (Slot s : slots) {
            keys.add(prefix + s.key());
            switch (s) {
                case Slot.Window w -> {
                    args.add("w");
                    args.add(Long.toString(w.rpm()));
                    args.add(Long.toString(w.tpm()));
                }
                case Slot.Budget b -> {
                    args.add(b.kind() == Slot.Kind.CREDITS ? "c" : "b");
                    args.add(Long.toString(b.limitNanos()));
                    args.add(Long.toString(b.baseSpentNanos()));
                }
            }
        }
        args.add(Long.toString(tokens));
        args.add(Long.toString(costNanos));
        List<?> out = (List<?>) eval(true, keys, args);
        long index = number(out.get(0));
        long now = number(out.get(3));
        if (index > 0) return Verdict.refusal((int) index - 1, number(out.get(1)) == 2, number(out.get(2)), now, this);
        long[] start = new long[n];
        long[] used = new long[n];
        long[] reserved = new long[n];
        for (int i = 0; i < n; i++) {
            start[i] = number(out.get(4 + 3 * i));
            used[i] = number(out.get(5 + 3 * i));
            reserved[i] = number(out.get(6 + 3 * i));
        }
        return new Verdict(-1, false, 0, now, start, used, reserved, this);
    }

    @Override
    public void settle(List<Slot> slots, long[] windowStart, long reservedTokens, long actualTokens, long reservedCost,
                       long actualCost) {
        blocking.execute(() -> {
            List<String> keys = new ArrayList<>(slots.size());
            List<String> args = new ArrayList<>(3 * slots.size());
            for (int i = 0; i < slots.size(); i++) {
                Slot s = slots.get(i);
                keys.add(prefix + s.key());
                switch (s) {
                    case Slot.Window w -> {
                        args.add("w");
                        args.add(Long.toString(windowStart[i]));
                        args.add(Long.toString(w.tpm() > 0 ? actualTokens - reservedTokens : 0));
                    }
                    case Slot.Budget b -> {
                        args.add("b");
                        args.add(Long.toString(reservedCost));
                        args.add(Long.toString(actualCost));
                    }
                }
            }
            try {
                eval(false, keys, args);
            } catch (RuntimeException e) {
                // The reservation expires with nothing: a window with its minute, a budget's only
                // after Redis forgets it. Spend is never lost: the database keeps every event's cost.
                failed(e);
            }
        });
    }

    private Object eval(boolean admit, List<String> keys, List<String> args) {
        String sha = admit ? admitSha : settleSha;
        String script = admit ? ADMIT : SETTLE;
        if (sha == null) {
            sha = redis.scriptLoad(script);
            if (admit) admitSha = sha;
            else settleSha = sha;
        }
        try {
            return redis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException flushed) {
            return redis.eval(script, keys, args);
        }
    }

    private static long number(Object o) {
        return o instanceof Long l ? l : Long.parseLong(o instanceof byte[] b ? new String(b) : o.toString());
    }

    private void failed(RuntimeException e) {
        fallbacks.increment();
        long now = System.currentTimeMillis();
        downUntilMs = now + RETRY_AFTER_FAILURE_MS;
        synchronized (this) {
            if (now - lastWarningMs > 60_000) {
                lastWarningMs = now;
                LOG.warn("shared limits unavailable (Redis: {}); each replica enforces limits and budgets alone until it "
                        + "answers again", e.getMessage());
            }
        }
    }

    /** Requests counted by this replica alone because Redis failed. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    /** 1 while Redis is being used, 0 while this replica counts alone. */
    public long shared() {
        return System.currentTimeMillis() < downUntilMs ? 0 : 1;
    }

    @Override
    public void close() {
        redis.close();
    }
}
