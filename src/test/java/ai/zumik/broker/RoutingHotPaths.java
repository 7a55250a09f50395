package ai.zumik.broker;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.config.ZumikConfig;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.inference.ChatRequest;
import ai.zumik.provider.Transport;
import ai.zumik.store.Database;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The broker's routing decision for the JMH benchmarks in {@code ai.zumik.bench}: a
 * {@link RoutePlanner} wired as the composition root wires it (bundled catalogue and aliases in a
 * real SQLite store, OpenAI, Anthropic and Gemini configured, closed circuits) and planned with
 * the same capability check {@link ExecutionBroker} passes.
 */
public final class RoutingHotPaths implements AutoCloseable {
    private final Database database;
    private final Vertx vertx;
    private final RoutePlanner planner;

    public RoutingHotPaths(Path dataDir) {
        database = Database.open(null, dataDir, false);
        Clock clock = Clock.systemUTC();
        ModelCatalog catalog = ModelCatalog.bundled();
        AliasRegistry aliases = new AliasRegistry(database, clock, catalog.revision());
        aliases.bootstrap(AliasRegistry.bundled());
        ZumikConfig config = ZumikConfig.from(Map.of(
                "ZUMIK_DATA_DIR", dataDir.toString(),
                "OPENAI_API_KEY", "sk-bench-openai-000000",
                "ANTHROPIC_API_KEY", "sk-ant-bench-000000",
                "GEMINI_API_KEY", "AIzaSyBENCH000000"), Map.of());
        vertx = Vertx.vertx();
        Targets targets = new Targets(config, new Transport(vertx, Duration.ofSeconds(5)));
        planner = new RoutePlanner(catalog, aliases, targets, new CircuitBreakers(clock, 30_000), new Cooldowns(clock),
                new RegionalPolicies(database));
    }

    /** Plans a chat response for {@code request} as the broker does. */
    public RoutePlan plan(String projectId, String responseId, ChatRequest request, boolean allowCompatibleFallback) {
        return planner.plan(projectId, responseId, request.model(), CatalogModel.Kind.CHAT, allowCompatibleFallback,
                ref -> CapabilityCheck.chat(request, ref.capabilities(), ref.provider().wireId()));
    }

    @Override
    public void close() {
        vertx.close().await();
        database.close();
    }
}
