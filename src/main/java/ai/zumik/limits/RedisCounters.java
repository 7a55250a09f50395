package ai.zumik.limits;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters shared by every replica through Redis: one Lua script admits a request against all its
 * slots atomically (Redis runs a script alone), reading the clock from Redis's own {@code TIME} so
 * replicas agree on window boundaries; another settles it. Windows are hashes {@code s} (start),
 * {@code r} (requests), {@code t} (tokens) expiring two minutes after they open; budgets are hashes
 * {@code spent}, {@code resv}, where {@code spent} starts from the database's total the first time
 * any replica meets the budget.
 *
 * <p>Each event loop talks to Redis over its own pipelined connection ({@link RedisPipe}): the
 * script call is written and its reply read on the loop that admits the request, so a check costs
 * one round trip and no thread hand-off.
 *
 * <p>Redis is never allowed to hang a request: calls time out after {@code ZUMIK_REDIS_TIMEOUT_MS}
 * (100 ms by default), and when Redis fails the request is counted by this replica's own
 * {@link LocalCounters} instead — each replica then enforces the limits alone, so N replicas may
 * admit up to N times a limit until Redis is back. After a failure Redis is set aside for 250 ms,
 * doubled with every failure in a row up to five seconds, and not tried at all meanwhile; one
 * answered call resets that, so a single slow reply under load costs a quarter of a second of
 * local counting, not five. Every fallback is counted in {@code zumik_limits_redis_fallbacks_total}
 * and logged (at most once a minute).
 *
 * <p>At start-up {@link #warm} opens every HTTP event loop's connection and loads the scripts before
 * the first request, which would otherwise pay the connect and a {@code NOSCRIPT} round trip while
 * the process is still compiling itself — on a loaded two-vCPU host that missed the 100 ms often
 * enough to set Redis aside (30 fallbacks in the governance bench's first warm-up second).
 */
public final class RedisCounters implements Counters, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCounters.class);
    private static final long FIRST_ASIDE_MS = 250;
    private static final long MAX_ASIDE_MS = 5_000;

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

    private final Vertx vertx;
    private final NetClient client;
    private final String host;
    private final int port;
    private final int timeoutMs;
    private final List<String> auth;
    private final Integer database;
    /** Where calls from outside an event loop (tests, worker threads) are sent from. */
    private final Context offLoop;
    /** One pipe per event-loop thread, used only by that thread. */
    private final Map<Thread, RedisPipe> pipes = new ConcurrentHashMap<>();
    private final String prefix;
    private final LocalCounters fallback;
    private final LongAdder fallbacks = new LongAdder();
    private volatile long downUntilMs;
    private long lastWarningMs;
    /** Failures since Redis last answered; read on every answer, written under {@code this}. */
    private volatile int failuresInARow;

    /** A script sent by its SHA-1 (EVALSHA), and in full (EVAL) when Redis does not have it yet. */
    record Script(String source, String sha) {
        static Script of(String source) {
            try {
                return new Script(source, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                        .digest(source.getBytes(StandardCharsets.UTF_8))));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final Script ADMIT_SCRIPT = Script.of(ADMIT);
    private static final Script SETTLE_SCRIPT = Script.of(SETTLE);

    /**
     * @param vertx whose event loops call Redis, each on its own connection
     * @param fallback this replica's own counters, used while Redis is unreachable
     */
    public RedisCounters(String redisUrl, String prefix, int timeoutMs, Vertx vertx, LocalCounters fallback) {
        URI uri = URI.create(redisUrl);
        String userInfo = uri.getUserInfo();
        if (userInfo == null) {
            this.auth = null;
        } else {
            int colon = userInfo.indexOf(':');
            this.auth = colon > 0 ? List.of("AUTH", userInfo.substring(0, colon), userInfo.substring(colon + 1))
                    : List.of("AUTH", colon == 0 ? userInfo.substring(1) : userInfo);
        }
        String path = uri.getPath();
        this.database = path != null && path.length() > 1 ? Integer.valueOf(path.substring(1)) : null;
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 6379 : uri.getPort();
        this.timeoutMs = timeoutMs;
        this.vertx = vertx;
        this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(timeoutMs).setTcpNoDelay(true));
        this.offLoop = vertx.getOrCreateContext();
        this.prefix = prefix + ":limits:";
        this.fallback = fallback;
    }

    @Override
    public void admit(List<Slot> slots, long tokens, long costNanos, Consumer<Verdict> then) {
        if (System.currentTimeMillis() < downUntilMs) {
            fallback.admit(slots, tokens, costNanos, then);
            return;
        }
        int n = slots.size();
        Buffer keysAndArgs = Buffer.buffer(64 * n);
        for (Slot s : slots) RedisPipe.bulk(keysAndArgs, prefix + s.key());
        for (Slot s : slots) {
            switch (s) {
                case Slot.Window w -> {
                    RedisPipe.bulk(keysAndArgs, "w");
                    RedisPipe.bulk(keysAndArgs, w.rpm());
                    RedisPipe.bulk(keysAndArgs, w.tpm());
                }
                case Slot.Budget b -> {
                    RedisPipe.bulk(keysAndArgs, b.kind() == Slot.Kind.CREDITS ? "c" : "b");
                    RedisPipe.bulk(keysAndArgs, b.limitNanos());
                    RedisPipe.bulk(keysAndArgs, b.baseSpentNanos());
                }
            }
        }
        RedisPipe.bulk(keysAndArgs, tokens);
        RedisPipe.bulk(keysAndArgs, costNanos);
        eval(ADMIT_SCRIPT, n, 3 * n + 2, keysAndArgs, (out, failure) -> {
            Verdict v = null;
            if (failure == null) {
                try {
                    v = verdict((List<?>) out, n);
                } catch (RuntimeException unreadable) {
                    failure = unreadable;
                }
            }
            if (failure != null) {
                failed(failure);
                v = fallback.admit(slots, tokens, costNanos);
            } else if (failuresInARow != 0) {
                answered();
            }
            then.accept(v);
        });
    }

    private Verdict verdict(List<?> out, int n) {
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
        int n = slots.size();
        Buffer keysAndArgs = Buffer.buffer(64 * n);
        for (Slot s : slots) RedisPipe.bulk(keysAndArgs, prefix + s.key());
        for (int i = 0; i < n; i++) {
            switch (slots.get(i)) {
                case Slot.Window w -> {
                    RedisPipe.bulk(keysAndArgs, "w");
                    RedisPipe.bulk(keysAndArgs, windowStart[i]);
                    RedisPipe.bulk(keysAndArgs, w.tpm() > 0 ? actualTokens - reservedTokens : 0);
                }
                case Slot.Budget b -> {
                    RedisPipe.bulk(keysAndArgs, "b");
                    RedisPipe.bulk(keysAndArgs, reservedCost);
                    RedisPipe.bulk(keysAndArgs, actualCost);
                }
            }
        }
        eval(SETTLE_SCRIPT, n, 3 * n, keysAndArgs, (out, failure) -> {
            // The reservation expires with nothing: a window with its minute, a budget's only
            // after Redis forgets it. Spend is never lost: the database keeps every event's cost.
            if (failure != null) failed(failure);
            else if (failuresInARow != 0) answered();
        });
    }

    /**
     * Runs {@code script} on this event loop's connection (from elsewhere: on a loop of its own),
     * by SHA first; a Redis that has not seen the script yet (or flushed it) gets it in full.
     */
    private void eval(Script script, int keys, int args, Buffer keysAndArgs, RedisPipe.Reply reply) {
        Context here = Vertx.currentContext();
        if (here == null || !here.isEventLoopContext()) {
            offLoop.runOnContext(v -> eval(script, keys, args, keysAndArgs, reply));
            return;
        }
        RedisPipe pipe = pipe();
        pipe.send(evalCommand("EVALSHA", script.sha(), keys, args, keysAndArgs), (out, failure) -> {
            if (failure instanceof RedisPipe.ReplyError e && e.getMessage().startsWith("NOSCRIPT")) {
                pipe.send(evalCommand("EVAL", script.source(), keys, args, keysAndArgs), reply);
            } else {
                reply.accept(out, failure);
            }
        });
    }

    private static Buffer evalCommand(String verb, String scriptOrSha, int keys, int args, Buffer keysAndArgs) {
        Buffer b = Buffer.buffer(keysAndArgs.length() + scriptOrSha.length() + 40);
        RedisPipe.arrayHeader(b, 3 + keys + args);
        RedisPipe.bulk(b, verb);
        RedisPipe.bulk(b, scriptOrSha);
        RedisPipe.bulk(b, keys);
        return b.appendBuffer(keysAndArgs);
    }

    private RedisPipe pipe() {
        Thread loop = Thread.currentThread();
        RedisPipe pipe = pipes.get(loop);
        if (pipe == null || !pipe.open()) {
            pipe = new RedisPipe(vertx, client, host, port, timeoutMs, auth, database);
            pipes.put(loop, pipe);
        }
        return pipe;
    }

    private static long number(Object o) {
        return o instanceof Long l ? l : Long.parseLong((String) o);
    }

    private void failed(RuntimeException e) {
        fallbacks.increment();
        long now = System.currentTimeMillis();
        synchronized (this) {
            int n = failuresInARow = Math.min(failuresInARow + 1, 16);
            downUntilMs = now + Math.min(MAX_ASIDE_MS, FIRST_ASIDE_MS << (n - 1));
            if (now - lastWarningMs > 60_000) {
                lastWarningMs = now;
                LOG.warn("shared limits unavailable (Redis: {}); each replica enforces limits and budgets alone until it "
                        + "answers again", e.getMessage());
            }
        }
    }

    private synchronized void answered() {
        failuresInARow = 0;
    }

    /**
     * Opens the connection of each of {@code loops} (the HTTP fronts' event loops) and loads both
     * scripts on it, retrying a loop whose attempt failed until {@code withinMs} has passed; blocks
     * until every loop is ready or the time is up. Nothing here sets Redis aside or counts a
     * fallback: a loop that is not ready connects on its first request, as without this.
     *
     * @return how many loops are ready
     */
    public int warm(List<Context> loops, long withinMs) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(loops.size());
        java.util.concurrent.atomic.AtomicInteger ready = new java.util.concurrent.atomic.AtomicInteger();
        long deadline = System.nanoTime() + withinMs * 1_000_000;
        for (Context loop : loops) loop.runOnContext(v -> warmLoop(deadline, ready, done));
        try {
            done.await(withinMs + 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ready.get();
    }

    private void warmLoop(long deadline, java.util.concurrent.atomic.AtomicInteger ready, java.util.concurrent.CountDownLatch done) {
        RedisPipe pipe = pipe(); // a failed attempt's pipe is closed: this makes a new one
        pipe.send(RedisPipe.command(List.of("SCRIPT", "LOAD", ADMIT)), (out, failure) -> { });
        pipe.send(RedisPipe.command(List.of("SCRIPT", "LOAD", SETTLE)), (out, failure) -> {
            if (failure == null) {
                ready.incrementAndGet();
                done.countDown();
            } else if (System.nanoTime() - deadline < 0) {
                vertx.setTimer(20, id -> warmLoop(deadline, ready, done));
            } else {
                done.countDown();
            }
        });
    }

    /** Loops with an open connection (tests). */
    int openPipes() {
        return (int) pipes.values().stream().filter(RedisPipe::open).count();
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
        for (RedisPipe pipe : pipes.values()) pipe.close();
        client.close();
    }
}
