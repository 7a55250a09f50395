package ai.zumik.provider;

import java.util.Locale;
import java.util.Optional;

/**
 * Providers Zumik can reach. {@link #wireId()} is what {@code Agent-Resolved-Provider} reports;
 * {@link #parse} also accepts the common spellings users type ({@code fireworks}, {@code google_gemini}).
 */
public enum ProviderId {
    OPENAI("openai", "openai"),
    ANTHROPIC("anthropic", "anthropic"),
    XAI("xai", "xai"),
    GEMINI("gemini", "gemini"),
    FIREWORKS_AI("fireworks_ai", "fireworks"),
    /** Emergency bridge only: never addressable by a client, never a routing choice. */
    OPENROUTER("openrouter", "openrouter");

    private final String wireId;
    private final String bifrostName;

    ProviderId(String wireId, String bifrostName) {
        this.wireId = wireId;
        this.bifrostName = bifrostName;
    }

    public String wireId() {
        return wireId;
    }

    /** The provider's name in a Bifrost {@code provider/model} string. */
    public String bifrostName() {
        return bifrostName;
    }

    /** Parses a client-facing provider prefix; OpenRouter is deliberately not addressable. */
    public static Optional<ProviderId> parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "openai" -> Optional.of(OPENAI);
            case "anthropic" -> Optional.of(ANTHROPIC);
            case "xai", "x-ai", "grok" -> Optional.of(XAI);
            case "gemini", "google_gemini", "google" -> Optional.of(GEMINI);
            case "fireworks_ai", "fireworks", "fireworks-ai" -> Optional.of(FIREWORKS_AI);
            default -> Optional.empty();
        };
    }

    /** The environment variable prefix, e.g. {@code FIREWORKS} for {@code FIREWORKS_API_KEY}. */
    public String envPrefix() {
        return this == FIREWORKS_AI ? "FIREWORKS" : name();
    }

    @Override
    public String toString() {
        return wireId;
    }
}
