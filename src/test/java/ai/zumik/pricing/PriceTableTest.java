package ai.zumik.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Expected costs are worked by hand in pico-USD (USD per 1M tokens × 10^6 per token); 1 nano = 1,000 pico. */
class PriceTableTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final PriceTable table = PriceTable.bundled();

    @Test
    void everyCatalogueModelHasAPriceAndEmbeddingsChargeNoOutput() {
        assertThat(table.revision()).isEqualTo("prc_2026_12_06");
        var models = ModelCatalog.bundled().models();
        assertThat(models).isNotEmpty().allSatisfy(m ->
                assertThat(table.find(m.provider().wireId(), m.id())).as(m.provider() + "/" + m.id()).isPresent());
        assertThat(models).filteredOn(m -> m.kind() == CatalogModel.Kind.EMBEDDING).isNotEmpty().allSatisfy(m ->
                assertThat(table.find(m.provider().wireId(), m.id()).orElseThrow().output()).as(m.id()).isZero());
    }

    @Test
    void pricesAreWholePicoUsdPerToken() {
        ModelPrice gpt4o = table.find("openai", "gpt-4o").orElseThrow();
        assertThat(gpt4o.input()).isEqualTo(2_500_000);
        assertThat(gpt4o.cachedInput()).isEqualTo(1_250_000);
        assertThat(table.find("fireworks_ai", "nomic-ai/nomic-embed-text-v1.5").orElseThrow().input()).isEqualTo(8_000);
        assertThat(table.find("gemini", "gemini-2.5-flash-lite").orElseThrow().cachedInput()).isEqualTo(10_000);
        assertThat(table.find("fireworks", "accounts/fireworks/models/deepseek-v3")).as("provider spelling").isPresent();
    }

    @Test
    void gpt4oChargesUncachedCachedAndOutputApart() {
        // 800 uncached × 2,500,000 = 2,000,000,000; 200 cached × 1,250,000 = 250,000,000;
        // 500 out × 10,000,000 = 5,000,000,000; total 7,250,000,000 pico = 7,250,000 nanos ($0.00725).
        assertThat(cost("openai", "gpt-4o", new Usage(1000L, 500L, 200L, null, null))).hasValue(7_250_000);
    }

    @Test
    void anthropicCacheWritesAndReadsHaveTheirOwnPrices() {
        // claude-sonnet-4-5, prompt 3,000 = 1,000 uncached + 1,500 read + 500 written:
        // 1,000 × 3,000,000 = 3,000,000,000; 1,500 × 300,000 = 450,000,000;
        // 500 × 3,750,000 = 1,875,000,000; 200 out × 15,000,000 = 3,000,000,000; total 8,325,000,000 pico.
        assertThat(cost("anthropic", "claude-sonnet-4-5", new Usage(3000L, 200L, 1500L, 500L, null)))
                .hasValue(8_325_000);
    }

    @Test
    void cacheWritesWithoutAWritePriceCostInputAndUncachedInputNeverGoesNegative() {
        // gpt-4o has no cache_write_5m: 900 uncached + 100 written, all at 2,500,000 = 2,500,000,000 pico.
        assertThat(cost("openai", "gpt-4o", new Usage(1000L, 0L, null, 100L, null))).hasValue(2_500_000);
        // Cached + written (130) exceed the prompt (100): uncached is 0, not −30;
        // 80 × 1,250,000 + 50 × 2,500,000 = 225,000,000 pico.
        assertThat(cost("openai", "gpt-4o", new Usage(100L, 0L, 80L, 50L, null))).hasValue(225_000);
    }

    @Test
    void reasoningTokensArePricedApartWhenTheModelHasAReasoningPrice() {
        var usage = new Usage(100L, 1000L, null, null, 600L);
        // o3 bundled (reasoning billed as output): 100 × 2,000,000 + 1,000 × 8,000,000 = 8,200,000,000 pico.
        assertThat(cost("openai", "o3", usage)).hasValue(8_200_000);
        // With reasoning_output 12.00: 100 × 2,000,000 = 200,000,000; 600 × 12,000,000 = 7,200,000,000;
        // 400 visible × 8,000,000 = 3,200,000,000; total 10,600,000,000 pico.
        PriceTable priced = table.withOverrides(yaml("- {provider: openai, model: o3, reasoning_output: '12.00'}"));
        assertThat(priced.costNanos("openai", "o3", usage, Tier.STANDARD)).hasValue(10_600_000);
    }

    @Test
    void longContextPricesApplyOnlyAboveTheThreshold() {
        // gemini-2.5-pro, threshold 200,000, half the prompt cached, 1,000 out.
        // At the threshold: 100,000 × 1,250,000 + 100,000 × 125,000 + 1,000 × 10,000,000 = 147,500,000,000 pico.
        assertThat(cost("gemini", "gemini-2.5-pro", new Usage(200_000L, 1000L, 100_000L, null, null)))
                .hasValue(147_500_000);
        // One above: 100,001 × 2,500,000 + 100,000 × 250,000 + 1,000 × 15,000,000 = 290,002,500,000 pico.
        assertThat(cost("gemini", "gemini-2.5-pro", new Usage(200_001L, 1000L, 100_000L, null, null)))
                .hasValue(290_002_500);
    }

    @Test
    void longContextFieldsItDoesNotGiveStayStandard() {
        PriceTable t = table.withOverrides(yaml(
                "- {provider: openai, model: gpt-4o, long_context: {threshold_tokens: 1000, input: '5.00'}}"));
        // 1,000 uncached × 5,000,000 (long) + 1 cached × 1,250,000 + 10 out × 10,000,000 = 5,101,250,000 pico.
        assertThat(t.costNanos("openai", "gpt-4o", new Usage(1001L, 10L, 1L, null, null), Tier.STANDARD))
                .hasValue(5_101_250);
    }

    @Test
    void tierMultipliersScaleTheWholeCostAndAMissingTierChargesStandard() {
        var usage = new Usage(1000L, 100L, null, null, null);
        // gpt-5: 1,000 × 1,250,000 + 100 × 10,000,000 = 2,250,000,000 pico; batch and flex 0.50, priority 2.00.
        assertThat(table.costNanos("openai", "gpt-5", usage, Tier.STANDARD)).hasValue(2_250_000);
        assertThat(table.costNanos("openai", "gpt-5", usage, Tier.BATCH)).hasValue(1_125_000);
        assertThat(table.costNanos("openai", "gpt-5", usage, Tier.FLEX)).hasValue(1_125_000);
        assertThat(table.costNanos("openai", "gpt-5", usage, Tier.PRIORITY)).hasValue(4_500_000);
        // gpt-4.1 has no flex tier: 1,000 × 2,000,000 + 100 × 8,000,000 = 2,800,000,000 pico either way.
        assertThat(table.costNanos("openai", "gpt-4.1", usage, Tier.FLEX)).hasValue(2_800_000);
        assertThat(table.costNanos("openai", "gpt-4.1", usage, Tier.BATCH)).hasValue(1_400_000);
        // grok-4 has no batch API: 1,000 × 3,000,000 + 100 × 15,000,000 = 4,500,000,000 pico.
        assertThat(table.costNanos("xai", "grok-4", usage, Tier.BATCH)).hasValue(4_500_000);
    }

    @Test
    void eachTierReadsItsOwnMultiplier() {
        PriceTable t = table.withOverrides(yaml("""
                - {provider: openai, model: gpt-5, batch_discount: '0.60', service_tiers: {flex: '0.25', priority: '3'}}
                """));
        var usage = new Usage(1000L, 100L, null, null, null);
        // 2,250,000,000 pico × 0.60 / × 0.25 / × 3.
        assertThat(t.costNanos("openai", "gpt-5", usage, Tier.BATCH)).hasValue(1_350_000);
        assertThat(t.costNanos("openai", "gpt-5", usage, Tier.FLEX)).hasValue(562_500);
        assertThat(t.costNanos("openai", "gpt-5", usage, Tier.PRIORITY)).hasValue(6_750_000);
    }

    @Test
    void roundsHalfUpOnceAtTheEnd() {
        // nomic 0.008 = 8,000 pico per token: one token is exactly 8 nanos.
        assertThat(cost("fireworks_ai", "nomic-ai/nomic-embed-text-v1.5", new Usage(1L, null, null, null, null)))
                .hasValue(8);
        PriceTable t = table.withOverrides(yaml("""
                - {provider: fireworks_ai, model: accounts/me/models/tiny, input: '0.0005', output: '0.0004',
                   batch_discount: '0.5'}
                """));
        // 1 in × 500 = 500 pico = 0.5 nano → 1 (half-up; half-even or truncation give 0).
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/tiny", new Usage(1L, 0L, null, null, null), Tier.STANDARD))
                .hasValue(1);
        // 5 × 500 = 2,500 pico = 2.5 nanos → 3 (half-even gives 2).
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/tiny", new Usage(5L, 0L, null, null, null), Tier.STANDARD))
                .hasValue(3);
        // 1 out × 400 = 0.4 nano → 0 (a ceiling would give 1).
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/tiny", new Usage(0L, 1L, null, null, null), Tier.STANDARD))
                .hasValue(0);
        // 1 uncached + 1 cached (cached falls back to input) = 1,000 pico → 1; rounding each part would give 2.
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/tiny", new Usage(2L, 0L, 1L, null, null), Tier.STANDARD))
                .hasValue(1);
        // Batch: 500 × 0.5 = 250 pico → 0; rounding before the multiplier (1 × 0.5 = 0.5) would give 1.
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/tiny", new Usage(1L, 0L, null, null, null), Tier.BATCH))
                .hasValue(0);
    }

    @Test
    void unpricedModelsAndUnreportedUsageHaveNoCost() {
        var usage = new Usage(1000L, 500L, null, null, null);
        assertThat(table.costNanos("fireworks_ai", "accounts/me/models/my-fine-tune", usage, Tier.STANDARD)).isEmpty();
        assertThat(table.costNanos("openrouter", "gpt-4o", usage, Tier.STANDARD)).isEmpty();
        assertThat(table.costNanos("anthropic", "gpt-4o", usage, Tier.STANDARD)).as("exact provider").isEmpty();
        assertThat(table.costNanos("openai", "gpt-4o", Usage.UNREPORTED, Tier.STANDARD)).isEmpty();
        assertThat(table.costNanos("openai", "gpt-4o", new Usage(null, null, 10L, null, null), Tier.STANDARD)).isEmpty();
        assertThat(table.costNanos("openai", "gpt-4o", new Usage(0L, 0L, null, null, null), Tier.STANDARD))
                .as("a reported zero is a real zero").hasValue(0);
    }

    @Test
    void anOverrideReplacesOnlyTheFieldsItGivesAndLeavesTheBundledTableAlone() {
        PriceTable t = table.withOverrides(yaml("- {provider: openai, model: gpt-4o, input: '3.00'}"));
        ModelPrice gpt4o = t.find("openai", "gpt-4o").orElseThrow();
        assertThat(gpt4o.input()).isEqualTo(3_000_000);
        assertThat(gpt4o.cachedInput()).isEqualTo(1_250_000);
        assertThat(gpt4o.output()).isEqualTo(10_000_000);
        assertThat(gpt4o.priority()).isEqualByComparingTo("1.70");
        assertThat(table.find("openai", "gpt-4o").orElseThrow().input()).isEqualTo(2_500_000);
        // null clears a field: no batch API any more, so batch is charged standard.
        PriceTable noBatch = table.withOverrides(yaml("- {provider: openai, model: gpt-4o, batch_discount: null}"));
        assertThat(noBatch.find("openai", "gpt-4o").orElseThrow().batch()).isNull();
    }

    @Test
    void anOverrideAddsAModel() {
        PriceTable t = table.withOverrides(yaml(
                "- {provider: fireworks, model: accounts/me/models/ft, input: '0.50', output: '1.00'}"));
        ModelPrice ft = t.find("fireworks_ai", "accounts/me/models/ft").orElseThrow();
        assertThat(ft.batch()).isNull();
        assertThat(ft.longContext()).isNull();
        // 10 × 500,000 + 10 × 1,000,000 = 15,000,000 pico.
        assertThat(t.costNanos("fireworks_ai", "accounts/me/models/ft", new Usage(10L, 10L, null, null, null), Tier.BATCH))
                .hasValue(15_000);
        assertThat(table.find("fireworks_ai", "accounts/me/models/ft")).isEmpty();
    }

    @Test
    void badOverridesNameTheirPath() {
        String two = "- {provider: openai, model: gpt-4o}\n- {provider: openai, model: gpt-5, input: '1.00'}\n";
        rejected(two + "- {provider: openai, model: o3, input: '-1.00'}", "prices[2].input must not be negative");
        rejected(two + "- {provider: openai, model: o3, inptu: '1.00'}", "prices[2].inptu is not a known key");
        rejected("- {provider: openai, model: o3, output: '0.0000001'}", "prices[0].output has more than 6 decimals");
        rejected("- {provider: mistral, model: mistral-large, input: '1', output: '1'}",
                "prices[0].provider 'mistral' is not a known provider");
        rejected("- {provider: openai, model: o3, input: 2.50}", "prices[0].input must be a decimal string");
        rejected("- {provider: openai, model: o3, input: '1e3'}", "prices[0].input must be a decimal string");
        rejected("- {provider: openai, model: o3, service_tiers: {scale: '1'}}", "prices[0].service_tiers.scale is not a known key");
        rejected("- {provider: openai, model: o3, service_tiers: {flex: '-0.5'}}",
                "prices[0].service_tiers.flex must not be negative");
        rejected("- {provider: openai, model: o3, long_context: {input: '1'}}",
                "prices[0].long_context.threshold_tokens must be a whole number");
        rejected("- {provider: openai, model: o3, long_context: {threshold_tokens: 10, output: 'x'}}",
                "prices[0].long_context.output must be a decimal string");
        rejected("- {provider: openai, model: my-new-model, input: '1.00'}", "prices[0].output is required");
        rejected("- {provider: openai, input: '1.00'}", "prices[0].model is required");
        rejected("- {provider: openai, model: o3}\n- {provider: openai, model: o3}", "prices[1] overrides openai/o3 a second time");
        rejected("{provider: openai, model: o3}", "prices must be a list");
    }

    @Test
    void theRevisionNamesTheOverridesAndIsStableForEqualOnes() {
        PriceTable a = table.withOverrides(yaml("- {provider: openai, model: gpt-4o, input: '3.00'}"));
        // SHA-256 of the canonical JSON [{"input":"3.00","model":"gpt-4o","provider":"openai"}] starts 096c8588.
        assertThat(a.revision()).isEqualTo("prc_2026_12_06+config.096c8588");
        assertThat(table.withOverrides(yaml("- {input: '3.00', provider: openai, model: gpt-4o}")).revision())
                .as("key order does not matter").isEqualTo(a.revision());
        assertThat(table.withOverrides(yaml("- {provider: openai, model: gpt-4o, input: '3.01'}")).revision())
                .isNotEqualTo(a.revision()).startsWith("prc_2026_12_06+config.");
        assertThat(table.withOverrides(yaml("[]")).revision()).isEqualTo("prc_2026_12_06");
    }

    @Test
    void aMalformedBundledTableNamesTheEntry() throws IOException {
        JsonNode bad = Json.MAPPER.readTree("""
                {"revision": "prc_test", "models": [
                  {"provider": "openai", "model": "gpt-4o", "input": "2.50", "output": "10.00"},
                  {"provider": "openai", "model": "gpt-x", "input": "cheap", "output": "10.00"}]}
                """);
        assertThatThrownBy(() -> PriceTable.parse(bad)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("models[1] (openai/gpt-x)").hasMessageContaining("models[1].input");
    }

    @Test
    void tierOfMapsOpenAiServiceTiers() {
        assertThat(Tier.of("flex", false)).isEqualTo(Tier.FLEX);
        assertThat(Tier.of("priority", false)).isEqualTo(Tier.PRIORITY);
        for (String standard : new String[] {null, "default", "auto", "standard", "scale"}) {
            assertThat(Tier.of(standard, false)).as(standard).isEqualTo(Tier.STANDARD);
        }
        assertThat(Tier.of("priority", true)).isEqualTo(Tier.BATCH);
        assertThat(Tier.of(null, true)).isEqualTo(Tier.BATCH);
    }

    private OptionalLong cost(String provider, String model, Usage usage) {
        return table.costNanos(provider, model, usage, Tier.STANDARD);
    }

    private void rejected(String overrides, String message) {
        assertThatThrownBy(() -> table.withOverrides(yaml(overrides)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
