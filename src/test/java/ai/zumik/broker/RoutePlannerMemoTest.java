package ai.zumik.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.config.ZumikConfig;
import ai.zumik.inference.RequestRejected;
import ai.zumik.provider.Transport;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.store.Database;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's memos (concrete candidates, decision templates) answer exactly as planning afresh would. */
class RoutePlannerMemoTest {
    @TempDir
    Path dir;
    private Database database;
    private Vertx vertx;
    private RoutePlanner planner;

    @BeforeEach
    void wire() {
        database = Database.open(null, dir, false);
        Clock clock = Clock.systemUTC();
        ModelCatalog catalog = ModelCatalog.bundled();
        AliasRegistry aliases = new AliasRegistry(database, clock, catalog.revision());
        aliases.bootstrap(AliasRegistry.bundled());
        ZumikConfig config = ZumikConfig.from(Map.of("ZUMIK_DATA_DIR", dir.toString(),
                "OPENAI_API_KEY", "sk-test-openai-000000", "ANTHROPIC_API_KEY", "sk-ant-test-000000"), Map.of());
        vertx = Vertx.vertx();
        planner = new RoutePlanner(catalog, aliases, new Targets(config, new Transport(vertx, Duration.ofSeconds(5))),
                new CircuitBreakers(clock, 30_000), new Cooldowns(clock), new RegionalPolicies(database));
    }

    @AfterEach
    void close() {
        vertx.close().await();
        database.close();
    }

    private RoutePlan plan(String responseId, String model, CatalogModel.Kind kind, boolean fallback) {
        return planner.plan("prj_1", responseId, model, kind, fallback, ref -> { });
    }

    @Test
    void aModelRememberedForOneKindIsStillRefusedForTheOther() {
        assertThat(plan("rsp_1", "text-embedding-3-small", CatalogModel.Kind.EMBEDDING, true).order()).isNotEmpty();
        assertThatThrownBy(() -> plan("rsp_2", "text-embedding-3-small", CatalogModel.Kind.CHAT, true))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("embeddings model");
    }

    @Test
    void fallbacksAreRememberedApartFromTheModelAlone() {
        RoutePlan with = plan("rsp_1", "gpt-4o-mini", CatalogModel.Kind.CHAT, true);
        RoutePlan without = plan("rsp_2", "gpt-4o-mini", CatalogModel.Kind.CHAT, false);
        assertThat(with.verdicts()).hasSizeGreaterThan(1);
        assertThat(without.verdicts()).hasSize(1);
        assertThat(plan("rsp_3", "gpt-4o-mini", CatalogModel.Kind.CHAT, true).verdicts()).isEqualTo(with.verdicts());
    }

    @Test
    void requestsPlannedAlikeShareOneTemplateAndItIsTheDecisionLessItsOwnPart() {
        RoutePlan a = plan("rsp_1", "gpt-4o-mini", CatalogModel.Kind.CHAT, true);
        RoutePlan b = plan("rsp_2", "gpt-4o-mini", CatalogModel.Kind.CHAT, true);
        assertThat(b.seed()).isNotEqualTo(a.seed());
        assertThat(b.template()).isSameAs(a.template());
        assertThat(a.template().json()).isEqualTo(RoutePlan.templateJsonText(a.requestedModel(), a.release(),
                a.capabilityRevision(), a.verdicts(), a.policy()));
        assertThat(plan("rsp_3", "gpt-4o-mini", CatalogModel.Kind.CHAT, false).template().id())
                .as("other candidates, other template").isNotEqualTo(a.template().id());
        assertThat(plan("rsp_4", "auto", CatalogModel.Kind.CHAT, true).template().json())
                .contains("\"alias\":\"auto\"").doesNotContain("\"seed\"");
    }
}
