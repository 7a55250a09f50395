package ai.zumik.provider.anthropic;

import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Anthropic translators' hot paths for the JMH benchmarks in {@code ai.zumik.bench}, which live
 * in another package: exactly what {@link AnthropicAdapter} calls, nothing widened in production.
 */
public final class AnthropicHotPaths {
    private static final ThinkingMemory MEMORY = new ThinkingMemory(Duration.ofHours(1), 1_000_000);

    private AnthropicHotPaths() {}

    /** The canonical request → the Messages request body bytes, as the adapter sends them. */
    public static byte[] requestBytes(ChatCall call) {
        return AnthropicRequest.translate(call, MEMORY).bytes();
    }

    /**
     * A stream translator in mid-answer: past {@code message_start}, with a text block open at
     * index 0 and a {@code tool_use} block (call index 0) open at index 1, so every further delta
     * produces exactly one OpenAI chunk.
     */
    public static final class Stream implements AnthropicStream.Sink {
        private final AnthropicStream stream;
        private byte[] last;

        public Stream(String model) {
            stream = new AnthropicStream(model, new AnthropicRequest.Translated(Json.object(), null, false), MEMORY, this);
            event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"" + model + "\",\"stop_reason\":null,"
                    + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":2095,\"cache_creation_input_tokens\":0,"
                    + "\"cache_read_input_tokens\":1800,\"output_tokens\":1}}}");
            event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
            event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                    + "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"edit_file\",\"input\":{}}}");
        }

        private void event(String name, String data) {
            event(name, data.getBytes(StandardCharsets.UTF_8));
        }

        /** One SSE event's data → the chunk it produced (null if none), through the adapter's entry point. */
        public byte[] event(String name, byte[] data) {
            last = null;
            stream.on(name, data, data.length);
            return last;
        }

        @Override
        public void chunk(byte[] json, Usage usage, boolean usageOnly) {
            last = json;
        }

        @Override
        public void end(Usage usage) {
            throw new IllegalStateException("the benchmark stream never ends");
        }

        @Override
        public void failed(UpstreamFailure failure, Usage usage) {
            throw new IllegalStateException("the benchmark stream failed: " + failure.message());
        }
    }
}
