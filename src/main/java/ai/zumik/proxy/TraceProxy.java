package ai.zumik.proxy;

import ai.zumik.ids.Ids;
import ai.zumik.inference.ChatRequest;
import ai.zumik.json.Json;
import ai.zumik.reuse.FingerprintKey;
import ai.zumik.reuse.PrefixWindow;
import ai.zumik.reuse.PromptPrefix;
import ai.zumik.traces.TraceEnvelope;
import ai.zumik.v1.ChatRequestParser;
import ai.zumik.v1.responses.ResponsesChat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code zumik proxy}: a pass-through in front of any OpenAI-compatible endpoint that writes one
 * metadata-only trace per {@code /v1/chat/completions} and {@code /v1/responses} request. Requests
 * go up untouched (headers but hop-by-hop ones, body byte for byte, so the client's own key
 * authenticates); answers come back chunk by chunk as they arrive, with backpressure, never
 * buffered — a stream's usage is read from its last events on the way through.
 *
 * <p>The trace holds token counts (the upstream's {@code usage} when it reports one, else the
 * prompt's estimate), timings (ttft only for streams: a non-streamed answer's first byte is the whole
 * answer), the resolved target ({@code provider/model}), the status, and the prompt's prefix family
 * and prefix marks fingerprinted by {@link PromptPrefix} under a local key: never prompt or
 * completion text. Its arrival is in Unix milliseconds, so a file appended across restarts keeps
 * its order.
 */
public final class TraceProxy implements AutoCloseable {
    /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy recomputes. */
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
            "trailer", "transfer-encoding", "upgrade", "host", "content-length");
    /** Boundaries a trace carries besides the stable prefix: the last ones, where the next turn continues. */
    static final int TRAILING_MARKS = 16;
    /** How much of a non-streamed answer is kept to read its usage (answers beyond are relayed, their usage estimated). */
    static final int MAX_COPIED_BYTES = 8 << 20;

    private final Vertx vertx;
    private final HttpServer server;
    private final HttpClient client;
    private final URI upstream;
    private final String provider;
    private final FingerprintKey key;
    private final TraceWriter writer;
    private final PrefixWindow window = new PrefixWindow(1_000_000, 300_000);

    private TraceProxy(Vertx vertx, URI upstream, String provider, FingerprintKey key, TraceWriter writer) {
        this.vertx = vertx;
        this.upstream = upstream;
        this.provider = provider;
        this.key = key;
        this.writer = writer;
        boolean ssl = "https".equals(upstream.getScheme());
        this.client = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setSsl(ssl)
                .setVerifyHost(true).setMaxHeaderSize(65536)).with(new PoolOptions().setHttp1MaxSize(256)).build();
        this.server = vertx.createHttpServer();
    }

    /** Starts listening on {@code host:port} (port 0: any free port). */
    public static TraceProxy start(String host, int port, URI upstream, String provider, FingerprintKey key, TraceWriter writer) {
        TraceProxy p = new TraceProxy(Vertx.vertx(), upstream, provider, key, writer);
        p.server.requestHandler(p::handle);
        p.server.listen(port, host).await();
        return p;
    }

    public int port() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest in) {
        long startMs = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        in.body().onFailure(t -> in.response().setStatusCode(400).end()).onSuccess(body -> {
            String path = in.path();
            String surface = path.endsWith("/chat/completions") ? "v1_chat_completions"
                    : path.endsWith("/responses") && "POST".equals(in.method().name()) ? "v1_responses" : null;
            RequestOptions out = new RequestOptions().setMethod(in.method()).setHost(upstream.getHost())
                    .setPort(upstream.getPort() > 0 ? upstream.getPort() : "https".equals(upstream.getScheme()) ? 443 : 80)
                    .setURI(upstreamPath(in.uri())).setFollowRedirects(false);
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            in.headers().forEach(h -> {
                if (!HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) headers.add(h.getKey(), h.getValue());
            });
            out.setHeaders(headers);
            Capture capture = surface == null ? null : new Capture(surface, body, startMs, startNanos);
            client.request(out).compose(req -> req.send(body)).onComplete(ar -> {
                if (ar.failed()) {
                    HttpServerResponse res = in.response();
                    if (!res.ended()) {
                        res.setStatusCode(502).putHeader("content-type", "application/json").end("{\"error\":{\"message\":"
                                + "\"zumik proxy: the upstream could not be reached\",\"type\":\"api_error\",\"param\":null,"
                                + "\"code\":\"upstream_unreachable\"}}");
                    }
                    if (capture != null) capture.finish(502);
                    return;
                }
                relay(in, ar.result(), capture);
            });
        });
    }

    private String upstreamPath(String uri) {
        String base = upstream.getRawPath() == null ? "" : upstream.getRawPath().replaceAll("/+$", "");
        return base + uri;
    }

    private void relay(HttpServerRequest in, HttpClientResponse up, Capture capture) {
        HttpServerResponse res = in.response();
        res.setStatusCode(up.statusCode());
        up.headers().forEach(h -> {
            if (!HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) res.headers().add(h.getKey(), h.getValue());
        });
        String length = up.getHeader("content-length");
        if (length != null) res.putHeader("content-length", length);
        else res.setChunked(true);
        if (capture != null) capture.stream = String.valueOf(up.getHeader("content-type")).startsWith("text/event-stream");
        in.connection().closeHandler(v -> up.request().reset());
        up.handler(chunk -> {
            if (capture != null) capture.chunk(chunk);
            res.write(chunk);
            if (res.writeQueueFull()) {
                up.pause();
                res.drainHandler(v -> up.resume());
            }
        });
        up.exceptionHandler(t -> {
            if (capture != null) capture.finish(up.statusCode());
            res.reset();
        });
        up.endHandler(v -> {
            res.end();
            if (capture != null) capture.finish(up.statusCode());
        });
    }

    /** What the proxy sees of one chat or Responses request on its way through; its trace at the end. */
    private final class Capture {
        final String surface;
        final Buffer requestBody;
        final long startMs;
        final long startNanos;
        boolean stream;
        Long ttftMs;
        Buffer copy = Buffer.buffer();
        boolean copyTruncated;
        /** Streams: the partial line being read and the last data line that carried usage. */
        final StringBuilder line = new StringBuilder();
        String usageEvent;
        boolean finished;

        Capture(String surface, Buffer requestBody, long startMs, long startNanos) {
            this.surface = surface;
            this.requestBody = requestBody;
            this.startMs = startMs;
            this.startNanos = startNanos;
        }

        void chunk(Buffer chunk) {
            if (stream) {
                if (ttftMs == null) ttftMs = (System.nanoTime() - startNanos) / 1_000_000;
                scan(chunk.toString(java.nio.charset.StandardCharsets.UTF_8));
            } else if (!copyTruncated) {
                if (copy.length() + chunk.length() > MAX_COPIED_BYTES) copyTruncated = true;
                else copy.appendBuffer(chunk);
            }
        }

        /** Keeps only the latest {@code data:} line that mentions usage: the final chunk or {@code response.completed}. */
        private void scan(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    if (line.length() > 5 && line.indexOf("data:") == 0 && line.indexOf("\"usage\"") > 0) usageEvent = line.substring(5).trim();
                    line.setLength(0);
                } else if (line.length() < MAX_COPIED_BYTES) {
                    line.append(c);
                }
            }
        }

        void finish(int status) {
            if (finished) return;
            finished = true;
            long latencyMs = (System.nanoTime() - startNanos) / 1_000_000;
            JsonNode usage = usage();
            vertx.executeBlocking(() -> {
                writer.append(trace(status, latencyMs, usage));
                return null;
            }, false);
        }

        private JsonNode usage() {
            JsonNode answer = null;
            if (stream && usageEvent != null) answer = Json.parseOrNull(usageEvent.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            else if (!stream && !copyTruncated) answer = Json.parseOrNull(copy.getBytes());
            copy = null;
            if (answer == null) return null;
            JsonNode u = answer.path("usage");
            if (u.isMissingNode() || u.isNull()) u = answer.path("response").path("usage");
            return u.isObject() ? u : null;
        }

        private TraceEnvelope trace(int status, long latencyMs, JsonNode usage) {
            JsonNode req = Json.parseOrNull(requestBody.getBytes());
            String model = req == null ? null : Json.string(req, "model");
            PromptPrefix prefix = prefix(req);
            long estimated = prefix == null ? 0 : prefix.tokens();
            Long reportedInput = number(usage, "prompt_tokens", "input_tokens");
            long input = reportedInput != null ? reportedInput : estimated;
            double scale = estimated > 0 ? (double) input / estimated : 0;
            long eligible = prefix == null ? 0 : Math.round(prefix.eligibleTokens() * scale);
            long candidate = 0;
            List<TraceEnvelope.PrefixMark> marks = new ArrayList<>();
            if (prefix != null) {
                synchronized (window) {
                    int seen = window.longestSeen(prefix, startMs, 300_000, scale > 0 ? (long) Math.ceil(1024 / scale) : 1024);
                    window.remember(prefix, startMs);
                    if (seen >= 0) candidate = Math.round(prefix.marks()[seen] * scale);
                }
                int n = prefix.marks().length;
                int stable = prefix.stableBlocks();
                int from = Math.max(0, n - TRAILING_MARKS);
                if (stable > 0 && stable - 1 < from) marks.add(new TraceEnvelope.PrefixMark(prefix.marks()[stable - 1], prefix.fingerprintHex(stable - 1)));
                for (int i = from; i < n; i++) marks.add(new TraceEnvelope.PrefixMark(prefix.marks()[i], prefix.fingerprintHex(i)));
            }
            JsonNode details = usage == null ? null : usage.has("prompt_tokens_details") ? usage.get("prompt_tokens_details")
                    : usage.get("input_tokens_details");
            Long cached = details == null ? null : number(details, "cached_tokens");
            Long output = number(usage, "completion_tokens", "output_tokens");
            return new TraceEnvelope(TraceEnvelope.SCHEMA_VERSION, Ids.next("trc_", startMs), null, "metadata",
                    prefix == null ? null : prefix.familyId(),
                    new TraceEnvelope.Request(surface, model, null, null, null, null, null, null),
                    new TraceEnvelope.Schedule(startMs, null, null, null),
                    new TraceEnvelope.Observed(model == null ? null : provider + "/" + model, stream ? ttftMs : null, latencyMs, input,
                            eligible, Math.min(candidate, input), cached, output, 1, status),
                    List.copyOf(marks));
        }

        /** The prompt's fingerprints, read by the gateway's own parsers; null when it is not a request they accept. */
        private PromptPrefix prefix(JsonNode req) {
            if (!(req instanceof ObjectNode body)) return null;
            try {
                ChatRequest chat = surface.equals("v1_responses") ? ResponsesChat.of(body.deepCopy()).chat() : ChatRequestParser.parse(body);
                return PromptPrefix.of(chat, key);
            } catch (RuntimeException notParsed) {
                return null;
            }
        }
    }

    private static Long number(JsonNode n, String... fields) {
        if (n == null) return null;
        for (String f : fields) {
            JsonNode v = n.get(f);
            if (v != null && v.canConvertToLong() && v.isIntegralNumber() && v.longValue() >= 0) return v.longValue();
        }
        return null;
    }

    @Override
    public void close() {
        server.close().await();
        client.close().await();
        vertx.close().await();
        writer.close();
    }
}
