package ai.zumik.provider.anthropic;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.Endpoint;
import ai.zumik.provider.HttpAttempt;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UpstreamCall;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.util.function.Consumer;

/**
 * The native Anthropic Messages adapter: {@code POST {base}/messages} with {@code x-api-key} and
 * {@code anthropic-version: 2023-06-01}. The request is translated before anything is sent (a
 * {@link RequestRejected} is thrown from {@link #chat} itself); answers come back through
 * {@link AnthropicCompletion} or, event by event, {@link AnthropicStream}.
 */
public final class AnthropicAdapter implements ProviderAdapter {
    static final String VERSION = "2023-06-01";
    private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
    private static final CharSequence ANTHROPIC_VERSION = HttpHeaders.createOptimized("anthropic-version");
    private static final CharSequence VERSION_HEADER = HttpHeaders.createOptimized(VERSION);

    private final Endpoint endpoint;
    /** The key, pre-encoded for the wire (null: none); never logged. */
    private final CharSequence apiKeyHeader;
    private final Transport transport;
    private final ThinkingMemory memory;

    public AnthropicAdapter(String baseUrl, String apiKey, Transport transport) {
        this(baseUrl, apiKey, transport, ThinkingMemory.SHARED);
    }

    AnthropicAdapter(String baseUrl, String apiKey, Transport transport, ThinkingMemory memory) {
        this.endpoint = Endpoint.parse(baseUrl);
        this.apiKeyHeader = apiKey == null ? null : HttpHeaders.createOptimized(apiKey);
        this.transport = transport;
        this.memory = memory;
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        AnthropicRequest.Translated req = AnthropicRequest.translate(call, memory);
        return new Attempt(call, req, events).start();
    }

    /** Anthropic has no embeddings API; the broker refuses before calling this (the manifest says so). */
    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        throw RequestRejected.unsupported("model", AnthropicRequest.PROVIDER, "it has no embeddings API");
    }

    private final class Attempt extends HttpAttempt implements AnthropicStream.Sink {
        private final ChatCall call;
        private final AnthropicRequest.Translated req;
        private final AnthropicStream stream;

        Attempt(ChatCall call, AnthropicRequest.Translated req, Consumer<StreamEvent> events) {
            super(AnthropicAdapter.this.transport, call.timeouts(), call.request().stream(), events);
            this.call = call;
            this.req = req;
            this.stream = call.request().stream() ? new AnthropicStream(call.upstreamModel(), req, memory, this) : null;
        }

        @Override
        protected Endpoint endpoint() {
            return endpoint;
        }

        @Override
        protected String path() {
            return "/messages";
        }

        @Override
        protected void headers(HttpClientRequest r) {
            if (apiKeyHeader != null) r.putHeader(X_API_KEY, apiKeyHeader);
            r.putHeader(ANTHROPIC_VERSION, VERSION_HEADER);
        }

        @Override
        protected Buffer body() {
            return Buffer.buffer(req.bytes());
        }

        @Override
        protected UpstreamFailure errorResponse(int status, MultiMap headers, byte[] body) {
            return AnthropicErrors.response(status, headers, body);
        }

        @Override
        protected StreamEvent completion(HttpClientResponse head, byte[] body) {
            return AnthropicCompletion.translate(body, call.upstreamModel(), req, memory);
        }

        @Override
        protected void onSseEvent(String event, byte[] data, int length) {
            stream.on(event, data, length);
        }

        @Override
        protected void onStreamClosed() {
            fail(UpstreamFailure.of(FailureClass.STREAM_INTERRUPTED,
                    "The upstream closed the stream before it finished."), stream.usage());
        }

        @Override
        public void chunk(byte[] json, Usage usage, boolean usageOnly) {
            emit(new StreamEvent.Chunk(json, usage, usageOnly));
        }

        @Override
        public void end(Usage usage) {
            finish(new StreamEvent.End(usage));
        }

        @Override
        public void failed(UpstreamFailure failure, Usage usage) {
            fail(failure, usage);
        }
    }
}
