package ai.zumik.catalog;

import java.util.List;

/**
 * What a provider's model can do, from the bundled capability manifest (revision {@code cap_…}):
 * provider defaults deep-merged with the model's own overrides. The broker rejects (or, with
 * routing, avoids) a target that lacks a capability the request needs; purge reads the cache and
 * deletion facts.
 *
 * @param maxChoices the largest {@code n} the provider honours
 * @param defaultMaxTokens the output limit to send when a provider requires one and the client gave none
 * @param plausibleTtftMs the fastest a first token can be expected: a deadline shorter than this is
 *     refused up front ({@code customer_deadline_too_short})
 */
public record Capabilities(
        boolean tools,
        boolean parallelTools,
        boolean vision,
        boolean pdfInput,
        boolean audioInput,
        boolean jsonSchema,
        boolean jsonObject,
        int maxChoices,
        boolean logprobs,
        boolean reasoning,
        PromptCache promptCache,
        boolean batchApi,
        List<String> serviceTiers,
        boolean manualCacheClear,
        boolean providerSideDeletion,
        boolean embeddings,
        Long defaultMaxTokens,
        int plausibleTtftMs) {

    /**
     * Provider-side prompt caching.
     *
     * @param mode {@code automatic} (OpenAI, xAI), {@code explicit} (Anthropic {@code cache_control}),
     *     {@code implicit} (Gemini) or {@code none}
     * @param readDiscount fraction of the input price saved on a cache read
     * @param writePremium extra fraction of the input price paid on a cache write
     * @param maxBreakpoints explicit breakpoints a request may carry (0 when not explicit)
     */
    public record PromptCache(String mode, int minPrefixTokens, double readDiscount, double writePremium,
                              int ttlSeconds, int extendedTtlSeconds, int maxBreakpoints) {}
}
