package ai.zumik.provider.anthropic;

import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.sse.SseDecoder;
import ai.zumik.v1.ChatRequestParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds calls from OpenAI JSON and replays recorded Anthropic SSE transcripts through {@link AnthropicStream}. */
final class AnthropicFixtures {
    static final ModelCatalog CATALOG = ModelCatalog.bundled();
    static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofSeconds(1));

    private AnthropicFixtures() {}

    static ChatCall call(String openAiJson) {
        ObjectNode body = (ObjectNode) json(openAiJson);
        ModelRef ref = CATALOG.resolve(body.path("model").asText("anthropic/claude-sonnet-4-5")).orElseThrow();
        return new ChatCall(ChatRequestParser.parse(body), ref, ref.model(), TIMEOUTS);
    }

    static JsonNode json(String s) {
        try {
            return Json.parse(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String resource(String name) {
        try (InputStream in = AnthropicFixtures.class.getResourceAsStream("/anthropic/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource anthropic/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a stream translation produced, in order. */
    static final class Recorded implements AnthropicStream.Sink {
        final List<JsonNode> chunks = new ArrayList<>();
        final List<Usage> chunkUsages = new ArrayList<>();
        final List<Boolean> usageOnly = new ArrayList<>();
        Usage end;
        UpstreamFailure failure;
        Usage failureUsage;

        @Override
        public void chunk(byte[] json, Usage usage, boolean only) {
            try {
                chunks.add(Json.parse(json));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            chunkUsages.add(usage);
            usageOnly.add(only);
        }

        @Override
        public void end(Usage usage) {
            end = usage;
        }

        @Override
        public void failed(UpstreamFailure f, Usage usage) {
            failure = f;
            failureUsage = usage;
        }

        /** The deltas of the choice chunks (the usage-only chunk has none). */
        List<JsonNode> deltas() {
            return chunks.stream().filter(c -> !c.get("choices").isEmpty()).map(c -> c.at("/choices/0/delta")).toList();
        }

        String content() {
            StringBuilder sb = new StringBuilder();
            for (JsonNode d : deltas()) if (d.hasNonNull("content")) sb.append(d.get("content").asText());
            return sb.toString();
        }
    }

    /**
     * Feeds a transcript through the real SSE decoder, one byte at a time, into a fresh stream
     * translator's byte entry point (the adapter's path, the fast delta reader included).
     */
    static Recorded replay(String transcript, AnthropicRequest.Translated req, ThinkingMemory memory) {
        Recorded r = new Recorded();
        AnthropicStream stream = new AnthropicStream("claude-sonnet-4-5", req, memory, r);
        SseDecoder decoder = new SseDecoder(stream::on);
        byte[] bytes = transcript.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) decoder.feed(Buffer.buffer(new byte[] {b}));
        return r;
    }

    static AnthropicRequest.Translated plain() {
        return new AnthropicRequest.Translated(Json.object(), null, false);
    }
}
