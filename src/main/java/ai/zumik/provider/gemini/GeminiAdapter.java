package ai.zumik.provider.gemini;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.Endpoint;
import ai.zumik.provider.HttpAttempt;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UpstreamCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The native Gemini API adapter: {@code POST {base}/models/{model}:generateContent}, or
 * {@code :streamGenerateContent?alt=sse} for streams, and {@code :embedContent} /
 * {@code :batchEmbedContents}; the key travels in {@code x-goog-api-key}, never in the URL.
 * Translation is synchronous and happens before anything is sent, so a request Gemini could not
 * honour is refused with the parameter named.
 */
public final class GeminiAdapter implements ProviderAdapter {
    private static final CharSequence X_GOOG_API_KEY = HttpHeaders.createOptimized("x-goog-api-key");

    private final Endpoint endpoint;
    private final String apiKey;
    /** The key, pre-encoded for the wire (null: none). */
    private final CharSequence apiKeyHeader;
    private final Transport transport;

    public GeminiAdapter(String baseUrl, String apiKey, Transport transport) {
        this.endpoint = Endpoint.parse(baseUrl);
        this.apiKey = apiKey;
        this.apiKeyHeader = apiKey == null ? null : HttpHeaders.createOptimized(apiKey);
        this.transport = transport;
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        byte[] body = GeminiRequest.bytes(call.request(), call.upstreamModel());
        boolean stream = call.request().stream();
        String path = modelPath(call.upstreamModel()) + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        return new ChatAttempt(path, Buffer.buffer(body), call.timeouts(), stream, call.upstreamModel(), events)
                .start();
    }

    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        GeminiEmbeddings.Call g = GeminiEmbeddings.request(call.request(), call.upstreamModel());
        return new EmbeddingAttempt(modelPath(call.upstreamModel()) + g.method(), Buffer.buffer(Json.bytes(g.body())),
                call, events).start();
    }

    /** {@code /models/<id>}; the id is one path segment, so anything outside the safe set is escaped. */
    static String modelPath(String model) {
        StringBuilder sb = new StringBuilder("/models/");
        for (byte b : model.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_')) sb.append(c);
            else sb.append('%').append(String.format("%02X", b & 0xff));
        }
        return sb.toString();
    }

    /** What both attempts share: where, how to authenticate, how errors read. */
    private abstract class GeminiAttempt extends HttpAttempt {
        private final String path;
        private final Buffer body;
        private final boolean stream;

        GeminiAttempt(String path, Buffer body, Timeouts timeouts, boolean stream, Consumer<StreamEvent> events) {
            super(GeminiAdapter.this.transport, timeouts, stream, events);
            this.path = path;
            this.body = body;
            this.stream = stream;
        }

        @Override
        protected Endpoint endpoint() {
            return endpoint;
        }

        @Override
        protected String path() {
            return path;
        }

        @Override
        protected void headers(HttpClientRequest r) {
            if (apiKeyHeader != null) r.putHeader(X_GOOG_API_KEY, apiKeyHeader);
        }

        @Override
        protected Buffer body() {
            return body;
        }

        @Override
        protected UpstreamFailure errorResponse(int status, MultiMap headers, byte[] bytes) {
            return GeminiErrors.http(status, headers, bytes, stream, apiKey);
        }

        /** A 2xx body as JSON; an {@code error} member in it is a failure like a non-2xx one. */
        StreamEvent parsed(HttpClientResponse head, byte[] bytes, Function<JsonNode, StreamEvent> then) {
            JsonNode root;
            try {
                root = Json.parse(bytes);
            } catch (IOException e) {
                return StreamEvent.Failed.malformed("Gemini returned a body that is not JSON.");
            }
            if (!root.isObject()) return StreamEvent.Failed.malformed("Gemini returned a body that is not a JSON object.");
            if (root.get("error") instanceof ObjectNode) {
                return new StreamEvent.Failed(GeminiErrors.http(502, head.headers(), bytes, false, apiKey), Usage.UNREPORTED);
            }
            return then.apply(root);
        }
    }

    private final class ChatAttempt extends GeminiAttempt {
        private final String model;
        private final GeminiStream translator;

        ChatAttempt(String path, Buffer body, Timeouts timeouts, boolean stream, String model, Consumer<StreamEvent> events) {
            super(path, body, timeouts, stream, events);
            this.model = model;
            this.translator = stream ? new GeminiStream(model, apiKey) : null;
        }

        @Override
        protected StreamEvent completion(HttpClientResponse head, byte[] bytes) {
            return parsed(head, bytes, root -> GeminiResponse.completion(root, model));
        }

        @Override
        protected void onSseEvent(String event, byte[] data, int length) {
            UpstreamFailure f = translator.accept(data, length, this::emit);
            if (f != null) fail(f, translator.usage());
        }

        @Override
        protected void onStreamClosed() {
            UpstreamFailure f = translator.close(this::emit);
            if (f != null) fail(f, translator.usage());
            else finish(new StreamEvent.End(translator.usage()));
        }
    }

    private final class EmbeddingAttempt extends GeminiAttempt {
        private final EmbeddingCall call;

        EmbeddingAttempt(String path, Buffer body, EmbeddingCall call, Consumer<StreamEvent> events) {
            super(path, body, call.timeouts(), false, events);
            this.call = call;
        }

        @Override
        protected StreamEvent completion(HttpClientResponse head, byte[] bytes) {
            return parsed(head, bytes, root -> GeminiEmbeddings.response(root, call.request(), call.upstreamModel()));
        }

        @Override
        protected void onSseEvent(String event, byte[] data, int length) {
            throw new IllegalStateException("embeddings are not streamed");
        }
    }
}
