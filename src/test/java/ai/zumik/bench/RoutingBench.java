package ai.zumik.bench;

import ai.zumik.broker.RoutePlan;
import ai.zumik.broker.RoutingHotPaths;
import ai.zumik.inference.ChatRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The broker's routing decision for the agent request: the {@code auto} alias (three weighted
 * targets on three providers, each capability-checked) and a concrete model with compatible
 * fallbacks on other providers. Sampled, for the p99. Target: ≤ 20 µs p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoutingBench {
    static final String RESPONSE_ID = "rsp_01kaq3z8j5x6n7m8p9q0r1s2t3";
    static final String PROJECT = "prj_bench";

    private Path dataDir;
    private RoutingHotPaths routing;
    private ChatRequest auto;
    private ChatRequest concrete;

    @Setup
    public void setUp() throws IOException {
        dataDir = Files.createTempDirectory("zumik-bench-routing");
        routing = new RoutingHotPaths(dataDir);
        auto = BenchFixtures.agentRequest("auto");
        concrete = BenchFixtures.agentRequest("gpt-4.1-mini");
    }

    @TearDown
    public void tearDown() throws IOException {
        routing.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public RoutePlan autoAlias() {
        return routing.plan(PROJECT, RESPONSE_ID, auto, false);
    }

    @Benchmark
    public RoutePlan concreteWithFallbacks() {
        return routing.plan(PROJECT, RESPONSE_ID, concrete, true);
    }
}
