package ai.zumik.limits;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.ToolSpec;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.concurrent.CompletableFuture;

/**
 * Estimates what a request will use, for reserving against token limits and budgets before it
 * runs (the provider's reported usage replaces the estimate afterwards).
 *
 * <ul>
 *   <li>Prompt: OpenAI's models are counted with their own tokenizer ({@code o200k_base} for chat,
 *       {@code cl100k_base} for embeddings, through jtokkit) plus OpenAI's per-message overhead;
 *       every other provider keeps its tokenizer private, so their text counts one token per four
 *       UTF-8 bytes. An image counts 765 tokens (a high-detail 1024² tile set), tool definitions
 *       one token per four bytes of their JSON.</li>
 *   <li>Cost: a tokenizer runs ~30 ns per character, so text is tokenized exactly for its first
 *       8 KiB and extrapolated beyond, and each text's count is memoised by its hash (agents resend
 *       the same long prefixes), which keeps the event loop's share small.</li>
 *   <li>Output: {@code max_completion_tokens} / {@code max_tokens} times {@code n}, or the
 *       configured default (1,024) when the request sets none.</li>
 * </ul>
 */
public final class TokenEstimator {
    static final int EXACT_CHARS = 8 * 1024;
    static final int IMAGE_TOKENS = 765;
    private static final int PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;

    private final int defaultOutputTokens;
    private final CompletableFuture<Encoding> chat;
    private final CompletableFuture<Encoding> embeddings;
    private final Cache<Long, Integer> memo = Caffeine.newBuilder().executor(Runnable::run).maximumSize(50_000).build();

    public TokenEstimator(int defaultOutputTokens) {
        this.defaultOutputTokens = defaultOutputTokens;
        // Loading a vocabulary takes ~60 ms: off the start path; until it is there, the byte estimate stands in.
        var registry = CompletableFuture.supplyAsync(Encodings::newLazyEncodingRegistry, Thread::startVirtualThread);
        this.chat = registry.thenApply(r -> r.getEncoding(EncodingType.O200K_BASE));
        this.embeddings = registry.thenApply(r -> r.getEncoding(EncodingType.CL100K_BASE));
    }

    /** Prompt tokens of a chat request sent to {@code provider}. */
    public long prompt(ChatRequest r, ProviderId provider) {
        Encoding enc = provider == ProviderId.OPENAI ? chat.getNow(null) : null;
        long total = REPLY_PRIMING;
        for (ChatMessage m : r.messages()) {
            total += PER_MESSAGE;
            if (m.content() != null) {
                for (ContentPart p : m.content()) {
                    total += switch (p) {
                        case ContentPart.Text t -> text(t.text(), enc);
                        case ContentPart.Refusal t -> text(t.refusal(), enc);
                        case ContentPart.Image i -> IMAGE_TOKENS;
                        default -> IMAGE_TOKENS;
                    };
                }
            }
            if (m.toolCalls() != null) {
                for (ChatMessage.ToolCall c : m.toolCalls()) total += text(c.name(), enc) + text(c.arguments(), enc);
            }
        }
        if (r.tools() != null) {
            for (ToolSpec t : r.tools()) {
                total += (bytes(t.name()) + bytes(t.description()) + jsonChars(t.parameters())) / 4 + 8;
            }
        }
        return total;
    }

    /** What a chat request may generate: its output cap times its choices, or the default. */
    public long output(ChatRequest r) {
        return (long) (r.maxTokens() != null ? r.maxTokens() : defaultOutputTokens) * Math.max(1, r.n());
    }

    /** Input tokens of an embeddings request (token-id inputs count their ids). */
    public long embeddings(EmbeddingRequest r, ProviderId provider) {
        Encoding enc = provider == ProviderId.OPENAI ? embeddings.getNow(null) : null;
        long total = 0;
        for (String in : r.inputs()) {
            boolean ids = !in.isEmpty() && in.charAt(0) == '[';
            total += ids ? in.chars().filter(c -> c == ',').count() + 1 : text(in, enc);
        }
        return total;
    }

    /** One token per four UTF-8 bytes: the estimate for providers without a public tokenizer. */
    public static long roughly(String s) {
        return (bytes(s) + 3) / 4;
    }

    long text(String s, Encoding enc) {
        if (s == null || s.isEmpty()) return 0;
        if (enc == null) return roughly(s);
        long key = ((long) s.hashCode() << 32) ^ s.length();
        Integer known = memo.getIfPresent(key);
        if (known != null) return known;
        int n;
        if (s.length() <= EXACT_CHARS) {
            n = enc.countTokens(s);
        } else {
            int head = enc.countTokens(s.substring(0, EXACT_CHARS));
            n = (int) Math.min(Integer.MAX_VALUE, (long) head * s.length() / EXACT_CHARS);
        }
        memo.put(key, n);
        return n;
    }

    /**
     * About how long {@code node} is as JSON text, without writing it: names, string and number
     * values, and a little for the punctuation around each. Serialising a tool's schema on every
     * request cost more than everything else in governance together.
     */
    static long jsonChars(JsonNode node) {
        if (node == null) return 0;
        if (node.isTextual()) return node.textValue().length() + 2;
        if (node.isValueNode()) return node.asText().length();
        long n = 2;
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            n += e.getKey().length() + 4 + jsonChars(e.getValue());
        }
        if (node.isArray()) for (JsonNode child : node) n += jsonChars(child) + 1;
        return n;
    }

    private static int bytes(String s) {
        if (s == null) return 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /** True once the tokenizers are loaded (tests wait for it). */
    public boolean ready() {
        return chat.isDone() && embeddings.isDone();
    }
}
