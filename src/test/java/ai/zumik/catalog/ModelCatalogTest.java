package ai.zumik.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.ProviderId;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {
    private final ModelCatalog catalog = ModelCatalog.bundled();

    @Test
    void resolvesBareIdsProviderPrefixesAndTheirSpellings() {
        assertThat(catalog.resolve("gpt-4o-mini").orElseThrow()).extracting(ModelRef::provider, ModelRef::model)
                .containsExactly(ProviderId.OPENAI, "gpt-4o-mini");
        assertThat(catalog.resolve("anthropic/claude-sonnet-4-5").orElseThrow().provider()).isEqualTo(ProviderId.ANTHROPIC);
        assertThat(catalog.resolve("google_gemini/gemini-2.5-flash").orElseThrow().provider()).isEqualTo(ProviderId.GEMINI);
        ModelRef fw = catalog.resolve("fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct").orElseThrow();
        assertThat(fw.provider()).isEqualTo(ProviderId.FIREWORKS_AI);
        assertThat(fw.model()).isEqualTo("accounts/fireworks/models/llama-v3p1-8b-instruct");
        assertThat(fw.entry()).isNotNull();
        assertThat(catalog.resolve("accounts/fireworks/models/deepseek-v3").orElseThrow().provider()).isEqualTo(ProviderId.FIREWORKS_AI);
    }

    @Test
    void providerPrefixedModelsOutsideTheCatalogueAreStillAddressable() {
        ModelRef ft = catalog.resolve("fireworks_ai/accounts/me/models/my-fine-tune").orElseThrow();
        assertThat(ft.entry()).isNull();
        assertThat(ft.model()).isEqualTo("accounts/me/models/my-fine-tune");
    }

    @Test
    void unknownModelsAndOpenRouterAreNotAddressable() {
        assertThat(catalog.resolve("gpt-99")).isEmpty();
        assertThat(catalog.resolve("openrouter/openai/gpt-4o")).as("emergency bridge only").isEmpty();
        assertThat(catalog.resolve("openai/")).isEmpty();
        assertThat(catalog.resolve("")).isEmpty();
    }
}
