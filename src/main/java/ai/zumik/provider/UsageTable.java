package ai.zumik.provider;

import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one table of where each provider reports tokens and how they map to OpenAI's terms.
 *
 * <pre>
 * provider          prompt_tokens (incl. cache)              cached_tokens (read)          cache writes                   completion_tokens                       reasoning_tokens
 * OpenAI/OR        usage.prompt_tokens                      prompt_tokens_details         -                              usage.completion_tokens                 completion_tokens_details
 *                                                            .cached_tokens                                                                                       .reasoning_tokens
 * xAI               usage.prompt_tokens                      prompt_tokens_details         -                              usage.completion_tokens                 completion_tokens_details
 *                                                            .cached_tokens                                                 + reasoning_tokens (see below)          .reasoning_tokens
 * Fireworks         usage.prompt_tokens                      header fireworks-cached-      -                              usage.completion_tokens                 -
 *                                                            prompt-tokens (or details)
 * Anthropic         input_tokens + cache_read_input_tokens   cache_read_input_tokens       cache_creation_input_tokens    output_tokens (includes thinking)       - (not reported separately)
 *                   + cache_creation_input_tokens
 * Gemini            usageMetadata.promptTokenCount           cachedContentTokenCount       -                              candidatesTokenCount                    thoughtsTokenCount
 *                   (already includes cached content)                                                                     + thoughtsTokenCount
 * </pre>
 *
 * A field the provider did not send stays null ("not reported"), never zero. Anthropic's
 * {@code input_tokens} excludes both cache counts, so they are added back; Gemini's candidate count
 * excludes thinking, which OpenAI counts as completion.
 *
 * <p>Where a member of the OpenAI family deviates from OpenAI's own usage object, the client is
 * shown it corrected ({@link #openAiForClient}) so what it sees is what is metered. xAI leaves
 * reasoning tokens out of {@code completion_tokens} while counting them in {@code total_tokens}
 * and {@code completion_tokens_details.reasoning_tokens} (Google's Vertex documentation for Grok
 * says so; third-party clients report and correct it). It is recognised by the totals adding up
 * that way ({@code prompt + completion + reasoning == total}), not by provider name. Fireworks
 * reports cached prompt tokens only in the {@code fireworks-cached-prompt-tokens} response header
 * (docs.fireworks.ai, "Prompt caching"), so they are added as {@code prompt_tokens_details.cached_tokens}.
 */
public final class UsageTable {
    private UsageTable() {}

    /** OpenAI's {@code usage} object; {@code headerCachedTokens} is Fireworks' header, or null. */
    public static Usage openAi(JsonNode usage, Long headerCachedTokens) {
        if (usage == null || !usage.isObject()) {
            return headerCachedTokens == null ? Usage.UNREPORTED : new Usage(null, null, headerCachedTokens, null, null);
        }
        Long cached = Json.longOrNull(usage.get("prompt_tokens_details"), "cached_tokens");
        if (cached == null) cached = headerCachedTokens;
        Long completion = Json.longOrNull(usage, "completion_tokens");
        if (completion != null) completion += reasoningLeftOut(usage);
        return new Usage(Json.longOrNull(usage, "prompt_tokens"), completion, cached, null,
                Json.longOrNull(usage.get("completion_tokens_details"), "reasoning_tokens"));
    }

    /**
     * The OpenAI {@code usage} object as the client should see it, or null when the upstream's
     * is right as sent: {@code completion_tokens} including reasoning an upstream left out, and
     * {@code prompt_tokens_details.cached_tokens} from Fireworks' header when the body lacks it.
     */
    public static ObjectNode openAiForClient(JsonNode usage, Long headerCachedTokens) {
        if (usage == null || !usage.isObject()) return null;
        long reasoning = reasoningLeftOut(usage);
        boolean addCached = headerCachedTokens != null
                && Json.longOrNull(usage.get("prompt_tokens_details"), "cached_tokens") == null;
        if (reasoning == 0 && !addCached) return null;
        ObjectNode fixed = ((ObjectNode) usage).deepCopy();
        if (reasoning > 0) fixed.put("completion_tokens", usage.get("completion_tokens").asLong() + reasoning);
        if (addCached) {
            JsonNode details = fixed.get("prompt_tokens_details");
            (details instanceof ObjectNode d ? d : fixed.putObject("prompt_tokens_details"))
                    .put("cached_tokens", headerCachedTokens);
        }
        return fixed;
    }

    /** Reasoning tokens counted in {@code total_tokens} but not in {@code completion_tokens} (xAI), else 0. */
    private static long reasoningLeftOut(JsonNode usage) {
        Long prompt = Json.longOrNull(usage, "prompt_tokens");
        Long completion = Json.longOrNull(usage, "completion_tokens");
        Long total = Json.longOrNull(usage, "total_tokens");
        Long reasoning = Json.longOrNull(usage.get("completion_tokens_details"), "reasoning_tokens");
        if (prompt == null || completion == null || total == null || reasoning == null || reasoning <= 0) return 0;
        return prompt + completion + reasoning == total ? reasoning : 0;
    }

    /**
     * OpenAI's Responses API {@code usage}: {@code input_tokens} (cache reads and writes included, as
     * in chat), {@code input_tokens_details.cached_tokens} and {@code .cache_write_tokens},
     * {@code output_tokens} (reasoning included) and
     * {@code output_tokens_details.reasoning_tokens}.
     */
    public static Usage openAiResponses(JsonNode usage) {
        if (usage == null || !usage.isObject()) return Usage.UNREPORTED;
        return new Usage(Json.longOrNull(usage, "input_tokens"), Json.longOrNull(usage, "output_tokens"),
                Json.longOrNull(usage.get("input_tokens_details"), "cached_tokens"),
                Json.longOrNull(usage.get("input_tokens_details"), "cache_write_tokens"),
                Json.longOrNull(usage.get("output_tokens_details"), "reasoning_tokens"));
    }

    /** Anthropic's {@code usage} object (message, {@code message_start} or {@code message_delta}). */
    public static Usage anthropic(JsonNode usage) {
        if (usage == null || !usage.isObject()) return Usage.UNREPORTED;
        Long input = Json.longOrNull(usage, "input_tokens");
        Long read = Json.longOrNull(usage, "cache_read_input_tokens");
        Long write = Json.longOrNull(usage, "cache_creation_input_tokens");
        Long prompt = input == null && read == null && write == null ? null
                : nz(input) + nz(read) + nz(write);
        return new Usage(prompt, Json.longOrNull(usage, "output_tokens"), read, write, null);
    }

    /**
     * Gemini's {@code usageMetadata} object. Gemini's JSON is protobuf's, which omits a counter
     * whose value is zero (no thinking, nothing cached, nothing generated): inside a reported
     * {@code usageMetadata} an absent count is a zero, not an unknown.
     */
    public static Usage gemini(JsonNode meta) {
        if (meta == null || !meta.isObject()) return Usage.UNREPORTED;
        long candidates = nz(Json.longOrNull(meta, "candidatesTokenCount"));
        long thoughts = nz(Json.longOrNull(meta, "thoughtsTokenCount"));
        return new Usage(nz(Json.longOrNull(meta, "promptTokenCount")), candidates + thoughts,
                nz(Json.longOrNull(meta, "cachedContentTokenCount")), null, thoughts);
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
