package ai.zumik.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.JedisPooled;

/**
 * The counter stores: windows that open on first use and turn over after a minute, budgets that
 * start from the database's total and admit only what fits, all-or-nothing admission, settlement;
 * the same semantics in Redis, shared by two stores as two replicas would, exact under concurrency;
 * and the fallback when Redis is unreachable.
 */
@Timeout(60)
class CountersTest {
    private static final String REDIS = "redis://127.0.0.1:6379";

    static final class ManualClock extends Clock {
        long now = 1_800_000_000_000L;

        @Override
        public long millis() {
            return now;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void aWindowOpensOnFirstUseAdmitsItsLimitAndTurnsOverAfterAMinute() {
        ManualClock clock = new ManualClock();
        LocalCounters c = new LocalCounters(clock);
        List<Slot> slots = List.of(new Slot.Window("k:a", 2, 0));
        assertThat(c.admit(slots, 0, 0).admitted()).isTrue();
        clock.now += 30_000;
        assertThat(c.admit(slots, 0, 0).admitted()).isTrue();
        Verdict third = c.admit(slots, 0, 0);
        assertThat(third.admitted()).isFalse();
        assertThat(third.retryAfterMs()).as("the window opened 30 s ago").isEqualTo(30_000);
        clock.now += 30_000;
        Verdict next = c.admit(slots, 0, 0);
        assertThat(next.admitted()).isTrue();
        assertThat(next.windowStart()[0]).isEqualTo(clock.now);
        assertThat(next.used()[0]).isEqualTo(1);
    }

    @Test
    void admissionIsAllOrNothingAndARefusedRequestTakesNothing() {
        LocalCounters c = new LocalCounters(new ManualClock());
        List<Slot> keyThenProject = List.of(new Slot.Window("k:a", 10, 0), new Slot.Window("p:x", 1, 0));
        assertThat(c.admit(keyThenProject, 0, 0).admitted()).isTrue();
        Verdict refused = c.admit(keyThenProject, 0, 0);
        assertThat(refused.refused()).as("the project's window is full").isEqualTo(1);
        Verdict keyOnly = c.admit(List.of(new Slot.Window("k:a", 10, 0)), 0, 0);
        assertThat(keyOnly.used()[0]).as("the refused request did not count against the key").isEqualTo(2);
    }

    @Test
    void tokensAreReservedThenSettledInTheirOwnWindowOnly() {
        ManualClock clock = new ManualClock();
        LocalCounters c = new LocalCounters(clock);
        List<Slot> slots = List.of(new Slot.Window("k:t", 0, 100));
        Verdict v = c.admit(slots, 80, 0);
        assertThat(v.reserved()[0]).isEqualTo(80);
        assertThat(c.admit(slots, 30, 0).admitted()).as("80 + 30 > 100").isFalse();
        c.settle(slots, v.windowStart(), 80, 10, 0, 0);
        assertThat(c.admit(slots, 30, 0).reserved()[0]).isEqualTo(40);
        clock.now += 60_000;
        Verdict fresh = c.admit(slots, 5, 0);
        c.settle(slots, v.windowStart(), 30, 90, 0, 0); // a settlement for the old window
        assertThat(c.admit(slots, 0, 0).reserved()[0]).as("the new window keeps its own count").isEqualTo(5);
        assertThat(fresh.admitted()).isTrue();
    }

    @Test
    void aBudgetStartsFromTheStoredSpendAndAdmitsOnlyWhatFits() {
        LocalCounters c = new LocalCounters(new ManualClock());
        List<Slot> budget = List.of(new Slot.Budget("bk:a", Slot.Kind.KEY_BUDGET, 1_000, 700));
        assertThat(c.admit(budget, 0, 300).admitted()).as("700 + 300 <= 1000").isTrue();
        assertThat(c.admit(budget, 0, 1).admitted()).as("the reservation counts").isFalse();
        c.settle(budget, new long[1], 0, 0, 300, 250);
        assertThat(c.spent("bk:a")).isEqualTo(950);
        assertThat(c.admit(budget, 0, 50).admitted()).isTrue();
        List<Slot> credits = List.of(new Slot.Budget("cr:p", Slot.Kind.CREDITS, 1_000, 999));
        assertThat(c.admit(credits, 0, 10_000).admitted()).as("credit admits while anything is left").isTrue();
        assertThat(c.admit(credits, 0, 1).admitted()).isFalse();
    }

    // ---- Redis ----

    private static String prefix() {
        return "zumik_t_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void closeVertx() {
        VERTX.close().await();
    }

    private static RedisCounters redis(String prefix, ManualClock clock) {
        return new RedisCounters(REDIS, prefix, 500, VERTX, new LocalCounters(clock));
    }

    private static Verdict admit(Counters c, List<Slot> slots, long tokens, long cost) {
        CompletableFuture<Verdict> v = new CompletableFuture<>();
        c.admit(slots, tokens, cost, v::complete);
        return v.join();
    }

    @Test
    @Tag("redis")
    void twoReplicasThroughRedisAdmitExactlyTheLimitUnderConcurrency() throws Exception {
        try (JedisPooled j = new JedisPooled(URI.create(REDIS))) {
            assertThat(j.ping()).as("Redis must run at " + REDIS).isEqualTo("PONG");
        }
        String prefix = prefix();
        ManualClock clock = new ManualClock();
        try (RedisCounters a = redis(prefix, clock); RedisCounters b = redis(prefix, clock)) {
            List<Slot> window = List.of(new Slot.Window("k:shared", 30, 0));
            List<Slot> budget = List.of(new Slot.Budget("bk:shared", Slot.Kind.KEY_BUDGET, 1_000, 0));
            AtomicInteger windowAdmitted = new AtomicInteger();
            AtomicInteger budgetAdmitted = new AtomicInteger();
            try (var pool = Executors.newFixedThreadPool(16)) {
                for (int i = 0; i < 100; i++) {
                    RedisCounters replica = i % 2 == 0 ? a : b;
                    pool.execute(() -> {
                        if (admit(replica, window, 0, 0).admitted()) windowAdmitted.incrementAndGet();
                        if (admit(replica, budget, 0, 100).admitted()) budgetAdmitted.incrementAndGet();
                    });
                }
                pool.shutdown();
                assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(windowAdmitted).hasValue(30);
            assertThat(budgetAdmitted).hasValue(10);
            assertThat(a.fallbacks() + b.fallbacks()).as("every check went to Redis").isZero();
            // Settling moves reservations to spend: 10 x (100 reserved -> 60 spent) leaves 400 free.
            for (int i = 0; i < 10; i++) (i % 2 == 0 ? a : b).settle(budget, new long[1], 0, 0, 100, 60);
            Thread.sleep(300);
            int more = 0;
            while (admit(a, budget, 0, 100).admitted()) more++;
            assertThat(more).isEqualTo(4);
        }
    }

    @Test
    @Tag("redis")
    void aWindowCountedInRedisReportsTheSameStateToBothReplicasAndSettlesTokens() throws Exception {
        String prefix = prefix();
        ManualClock clock = new ManualClock();
        try (RedisCounters a = redis(prefix, clock); RedisCounters b = redis(prefix, clock)) {
            List<Slot> slots = List.of(new Slot.Window("k:t", 5, 1_000));
            Verdict first = admit(a, slots, 400, 0);
            Verdict second = admit(b, slots, 400, 0);
            assertThat(second.windowStart()[0]).isEqualTo(first.windowStart()[0]);
            assertThat(second.used()[0]).isEqualTo(2);
            assertThat(second.reserved()[0]).isEqualTo(800);
            assertThat(admit(a, slots, 400, 0).tokensExceeded()).isTrue();
            b.settle(slots, first.windowStart(), 400, 50, 0, 0);
            Thread.sleep(300);
            assertThat(admit(a, slots, 400, 0).reserved()[0]).isEqualTo(850);
        }
    }

    @Test
    @Tag("redis")
    void anUnreachableRedisFallsBackToThisReplicaAtOnceAndSaysSo() {
        LocalCounters local = new LocalCounters(new ManualClock());
        try (RedisCounters down = new RedisCounters("redis://127.0.0.1:1", prefix(), 200, VERTX, local)) {
            List<Slot> slots = List.of(new Slot.Window("k:x", 1, 0));
            long t0 = System.nanoTime();
            Verdict v = admit(down, slots, 0, 0);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("no request hangs on Redis").isLessThan(1_000);
            assertThat(v.admitted()).isTrue();
            assertThat(v.by()).as("counted here").isSameAs(local);
            assertThat(down.fallbacks()).isEqualTo(1);
            assertThat(down.shared()).isZero();
            long t1 = System.nanoTime();
            assertThat(admit(down, slots, 0, 0).admitted()).as("the local window enforces the limit").isFalse();
            assertThat((System.nanoTime() - t1) / 1_000_000).as("Redis is not retried for a while").isLessThan(50);
        }
    }

    @Test
    @Tag("redis")
    void aFailingRedisIsSetAsideForAQuarterSecondThenTwiceAsLongWhileItKeepsFailing() throws Exception {
        LocalCounters local = new LocalCounters(new ManualClock());
        try (RedisCounters down = new RedisCounters("redis://127.0.0.1:1", prefix(), 200, VERTX, local)) {
            List<Slot> slots = List.of(new Slot.Window("k:aside", 1_000, 0));
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("tried and failed").isEqualTo(1);
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("set aside: not tried").isEqualTo(1);
            Thread.sleep(300);
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("tried again after 250 ms").isEqualTo(2);
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("second failure in a row: set aside for 500 ms").isEqualTo(2);
            Thread.sleep(550);
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("tried again after 500 ms").isEqualTo(3);
            admit(down, slots, 0, 0);
            assertThat(down.fallbacks()).as("third failure in a row: set aside for a second").isEqualTo(3);
            assertThat(down.shared()).isZero();
        }
    }

    @Test
    @Tag("redis")
    void warmingUpConnectsEveryLoopAndLoadsTheScriptsSoTheFirstRequestsPayNeither() {
        try (JedisPooled j = new JedisPooled(URI.create(REDIS));
             RedisCounters c = redis(prefix(), new ManualClock())) {
            j.scriptFlush();
            List<Context> loops = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                CompletableFuture<Context> own = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> own.complete(VERTX.getOrCreateContext()));
                loops.add(own.join());
            }
            assertThat(c.openPipes()).isZero();
            assertThat(c.warm(loops, 2_000)).isEqualTo(2);
            java.util.Set<Thread> threads = new java.util.HashSet<>();
            for (Context loop : loops) {
                CompletableFuture<Thread> t = new CompletableFuture<>();
                loop.runOnContext(v -> t.complete(Thread.currentThread()));
                threads.add(t.join());
            }
            assertThat(c.openPipes()).as("one connection per loop thread, open").isEqualTo(threads.size());
            for (String script : List.of(RedisCounters.ADMIT, RedisCounters.SETTLE)) {
                assertThat(j.scriptExists(RedisCounters.Script.of(script).sha(), "k")).as("script loaded").isTrue();
            }
            assertThat(c.fallbacks()).isZero();
        }
    }

    @Test
    @Tag("redis")
    void aCheckMadeOnAnEventLoopIsAnsweredOnThatLoopWithoutAHandOff() {
        try (RedisCounters c = redis(prefix(), new ManualClock())) {
            List<Slot> slots = List.of(new Slot.Window("k:loop", 10, 0));
            // Not this thread's context (Vert.x keeps one per outside thread): the counters send calls
            // made off the loops from that one, and the check must start on a loop of its own.
            CompletableFuture<Context> own = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> own.complete(VERTX.getOrCreateContext()));
            Context loop = own.join();
            CompletableFuture<Thread> offLoops = new CompletableFuture<>();
            VERTX.getOrCreateContext().runOnContext(v -> offLoops.complete(Thread.currentThread()));
            CompletableFuture<Thread> caller = new CompletableFuture<>();
            CompletableFuture<Thread> answered = new CompletableFuture<>();
            CompletableFuture<Verdict> verdict = new CompletableFuture<>();
            loop.runOnContext(v -> {
                caller.complete(Thread.currentThread());
                c.admit(slots, 0, 0, r -> {
                    answered.complete(Thread.currentThread());
                    verdict.complete(r);
                });
            });
            assertThat(verdict.join().by()).as("counted in Redis").isSameAs(c);
            assertThat(caller.join()).as("a loop of its own").isNotSameAs(offLoops.join());
            assertThat(answered.join()).isSameAs(caller.join());
            assertThat(c.fallbacks()).isZero();
        }
    }

    @Test
    @Tag("redis")
    void aReplyThatArrivedWhileTheLoopWasBusyPastTheTimeoutStillCounts() {
        try (RedisCounters c = new RedisCounters(REDIS, prefix(), 100, VERTX, new LocalCounters(new ManualClock()))) {
            List<Slot> slots = List.of(new Slot.Window("k:busy", 10, 0));
            assertThat(admit(c, slots, 0, 0).by()).as("connected").isSameAs(c);
            CompletableFuture<Context> own = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> own.complete(VERTX.getOrCreateContext()));
            CompletableFuture<Verdict> verdict = new CompletableFuture<>();
            own.join().runOnContext(v -> {
                c.admit(slots, 0, 0, verdict::complete);
                try {
                    Thread.sleep(300); // the loop is busy with something else while Redis answers
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(verdict.join().by()).as("Redis answered in time; the loop read it late").isSameAs(c);
            assertThat(c.fallbacks()).isZero();
        }
    }

    @Test
    @Tag("redis")
    void aRedisThatHasForgottenTheScriptsGetsThemInFullAndStillCounts() {
        String prefix = prefix();
        try (RedisCounters c = redis(prefix, new ManualClock()); JedisPooled j = new JedisPooled(URI.create(REDIS))) {
            List<Slot> slots = List.of(new Slot.Window("k:flushed", 10, 0));
            assertThat(admit(c, slots, 0, 0).used()[0]).isEqualTo(1);
            j.scriptFlush();
            assertThat(admit(c, slots, 0, 0).used()[0]).isEqualTo(2);
            assertThat(c.fallbacks()).as("NOSCRIPT is not a failure").isZero();
        }
    }

    @Test
    @Tag("redis")
    void aRedisThatAcceptsButNeverAnswersTimesOutAndTheRequestIsCountedHere() throws Exception {
        LocalCounters local = new LocalCounters(new ManualClock());
        try (ServerSocket silent = new ServerSocket(0);
             RedisCounters mute = new RedisCounters("redis://127.0.0.1:" + silent.getLocalPort(), prefix(), 200, VERTX, local)) {
            Thread.startVirtualThread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the test ended
                }
            });
            long t0 = System.nanoTime();
            CompletableFuture<Verdict> answer = new CompletableFuture<>();
            mute.admit(List.of(new Slot.Window("k:m", 1, 0)), 0, 0, answer::complete);
            Verdict v = answer.get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("answered by the timeout, not by Redis").isBetween(150L, 1_000L);
            assertThat(v.by()).isSameAs(local);
            assertThat(mute.fallbacks()).isEqualTo(1);
        }
    }

    @Test
    void repliesSplitAcrossPacketsArePairedWithTheirCommandsInOrder() throws Exception {
        // A fake Redis that answers each EVALSHA with an admission reply, one byte per packet.
        try (ServerSocket fake = new ServerSocket(0);
             RedisCounters c = new RedisCounters("redis://127.0.0.1:" + fake.getLocalPort(), prefix(), 2_000, VERTX,
                     new LocalCounters(new ManualClock()))) {
            Thread.startVirtualThread(() -> {
                try (Socket s = fake.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int requests = 0;
                    int prev = -1;
                    for (int b; (b = in.read()) >= 0; prev = b) {
                        // Each command starts with '*' at the beginning of a line; our commands hold one '*' each.
                        if (b == '*' && (prev == -1 || prev == '\n')) {
                            requests++;
                            String reply = "*7\r\n:0\r\n:0\r\n:0\r\n:1700000000000\r\n$13\r\n1700000000000\r\n:"
                                    + requests + "\r\n$1\r\n0\r\n";
                            for (byte x : reply.getBytes(StandardCharsets.US_ASCII)) {
                                out.write(x);
                                out.flush();
                            }
                        }
                    }
                } catch (Exception ignored) {
                    // the test ended
                }
            });
            List<Slot> slots = List.of(new Slot.Window("k:split", 10, 0));
            for (int i = 1; i <= 3; i++) {
                Verdict v = admit(c, slots, 0, 0);
                assertThat(v.by()).isSameAs(c);
                assertThat(v.used()[0]).isEqualTo(i);
                assertThat(v.windowStart()[0]).isEqualTo(1_700_000_000_000L);
            }
            assertThat(c.fallbacks()).isZero();
        }
    }
}
