package ai.zumik.provider.openai;

import ai.zumik.provider.Endpoint;
import ai.zumik.provider.ProviderId;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * One member of the OpenAI-compatible family: where it lives, how it authenticates and its quirks.
 * OpenAI, xAI, Fireworks, OpenRouter, a Bifrost gateway and BYOC clusters differ only here.
 *
 * @param name what error messages call this upstream ({@code openai}, {@code bifrost}, ...)
 * @param authorization the {@code Authorization} header's value ({@code Bearer} and the key) pre-encoded
 *     for the wire, or null for none; never logged ({@link #toString} leaves it out)
 * @param cachedTokensHeader a response header reporting cached prompt tokens (Fireworks), or null
 * @param extraHeaders sent on every request, names and values pre-encoded
 */
public record OpenAiFlavor(String name, ProviderId provider, Endpoint endpoint, String chatPath, String embeddingsPath,
                           CharSequence authorization, String cachedTokensHeader,
                           Map<CharSequence, CharSequence> extraHeaders) {

    /** @param apiKey sent as {@code Authorization: Bearer}, or null for none */
    public static OpenAiFlavor direct(ProviderId provider, String baseUrl, String apiKey) {
        Map<CharSequence, CharSequence> extra = provider == ProviderId.OPENROUTER
                ? Map.of(HttpHeaders.createOptimized("X-Title"), HttpHeaders.createOptimized("Zumik"),
                        HttpHeaders.createOptimized("HTTP-Referer"), HttpHeaders.createOptimized("https://zumik.ai"))
                : Map.of();
        return new OpenAiFlavor(provider.wireId(), provider, Endpoint.parse(baseUrl), "/chat/completions", "/embeddings",
                apiKey == null ? null : HttpHeaders.createOptimized("Bearer " + apiKey),
                provider == ProviderId.FIREWORKS_AI ? "fireworks-cached-prompt-tokens" : null, extra);
    }

    /** Puts the credentials and the upstream's extra headers on a request to it. */
    public void authorize(io.vertx.core.http.HttpClientRequest r) {
        if (authorization != null) r.putHeader(HttpHeaders.AUTHORIZATION, authorization);
        extraHeaders.forEach(r::putHeader);
    }

    @Override
    public String toString() {
        return "OpenAiFlavor[" + name + ", " + endpoint + ", authorization " + (authorization == null ? "none" : "set") + "]";
    }

    /** Where the Responses API lives beside chat completions. */
    public String responsesPath() {
        return chatPath.substring(0, chatPath.length() - "/chat/completions".length()) + "/responses";
    }

    /** Whether this upstream answers the Responses API natively (OpenAI itself). */
    public boolean speaksResponses() {
        return provider == ProviderId.OPENAI;
    }

    /** A Bifrost gateway: OpenAI-style under {@code /v1}, models addressed as {@code provider/model}. */
    public static OpenAiFlavor bifrost(String baseUrl) {
        String base = baseUrl.endsWith("/v1") ? baseUrl.substring(0, baseUrl.length() - 3) : baseUrl;
        return new OpenAiFlavor("bifrost", null, Endpoint.parse(base), "/v1/chat/completions", "/v1/embeddings",
                null, "fireworks-cached-prompt-tokens", Map.of());
    }
}
