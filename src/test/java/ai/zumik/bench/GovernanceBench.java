package ai.zumik.bench;

import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.Usage;
import ai.zumik.keys.Principal;
import ai.zumik.keys.Quotas;
import ai.zumik.limits.Admission;
import ai.zumik.limits.Governor;
import ai.zumik.limits.LimitDefaults;
import ai.zumik.limits.LocalCounters;
import ai.zumik.limits.Permit;
import ai.zumik.limits.TokenEstimator;
import ai.zumik.pricing.PriceTable;
import ai.zumik.pricing.Tier;
import ai.zumik.provider.ProviderId;
import java.time.Clock;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What governance adds to one request on the event loop, in memory: the whole admission with five
 * slots (key and project windows with token limits, the global window, a key budget, a monthly
 * cap), which tokenizes the agent request and prices the estimate, then the settlement and the
 * pricing of the reported usage; and each part alone. Target (issue 11): limits + pricing ≤ 5 µs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GovernanceBench {
    private static final Usage REPORTED = new Usage(412L, 96L, 256L, null, 0L);

    private Governor governor;
    private Principal principal;
    private PriceTable prices;
    private TokenEstimator tokens;
    private ChatRequest request;
    private Governor.Ask ask;
    private Admission last;

    @Setup
    public void setUp() throws InterruptedException {
        prices = PriceTable.bundled();
        tokens = new TokenEstimator(1_024);
        while (!tokens.ready()) Thread.sleep(10);
        request = BenchFixtures.agentRequest("gpt-4o-mini");
        LocalCounters counters = new LocalCounters(Clock.systemUTC());
        governor = new Governor(new LimitDefaults(null, null, null, null, Long.MAX_VALUE / 2, 0, 0, 1_024, false),
                counters, counters);
        Quotas q = new Quotas(Long.MAX_VALUE / 2, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4_000, Long.MAX_VALUE / 2,
                Long.MAX_VALUE / 4, Long.MAX_VALUE / 4_000, false, "2026-12", 0, 0, 0, 0);
        principal = new Principal("key_bench", "prj_bench", EnumSet.of(ai.zumik.keys.Scope.INFERENCE), q);
        ask = new Governor.Ask() {
            @Override
            public Governor.Estimate estimate(boolean exact) {
                return new Governor.Estimate(tokens.prompt(request, exact ? ProviderId.OPENAI : null), tokens.output(request));
            }

            @Override
            public long costNanos(Governor.Estimate e) {
                return prices.costNanos("openai", "gpt-4o-mini", new Usage(e.promptTokens(), e.outputTokens(), null, null,
                        null), Tier.STANDARD).orElse(0);
            }
        };
    }

    /** Admission with all five slots, then settlement with the priced reported usage. */
    @Benchmark
    public long admitAndSettle() {
        long[] cost = new long[1];
        governor.admit(principal, ask, Runnable::run, a -> {
            last = a;
            cost[0] = prices.costNanos("openai", "gpt-4o-mini", REPORTED, Tier.STANDARD).orElse(0);
            ((Permit) a).settle(REPORTED.totalTokens(), cost[0]);
        });
        return cost[0];
    }

    /** Pricing a reported usage alone (done for every response, limits or not). */
    @Benchmark
    public long priceUsage() {
        return prices.costNanos("openai", "gpt-4o-mini", REPORTED, Tier.STANDARD).orElse(0);
    }

    /** The prompt estimate alone (memoised per message). */
    @Benchmark
    public long estimatePrompt() {
        return tokens.prompt(request, ProviderId.OPENAI);
    }
}
