package ai.zumik.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake OpenAI-compatible provider: a real HTTP server on loopback that answers each request
 * from a queue of {@link Script}s (or a default echo in OpenAI's exact wire format) and can fail
 * on purpose: error statuses, hangs, resets, cuts and stalls mid-stream. It records every request
 * and when the client (Zumik) closed a connection that was still being served.
 */
public final class FakeProvider implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Vertx VERTX = Vertx.vertx();

    /** A request as the fake received it. */
    public record Received(String method, String path, MultiMap headers, String body, long receivedAtNanos) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("request body is not JSON: " + body, e);
            }
        }
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Long> abortedAtNanos = new CopyOnWriteArrayList<>();
    private final String pathPrefix;
    private final java.util.function.Function<Received, Script> defaultResponder;

    private FakeProvider(String pathPrefix, java.util.function.Function<Received, Script> defaultResponder) {
        this.pathPrefix = pathPrefix;
        this.defaultResponder = defaultResponder;
        this.server = VERTX.createHttpServer(new io.vertx.core.http.HttpServerOptions().setTcpNoDelay(true))
                .requestHandler(this::handle)
                .listen(0, "127.0.0.1").await();
    }

    /** Serves under {@code /v1} like OpenAI, xAI and Fireworks' {@code /inference/v1}. */
    public static FakeProvider start() {
        return new FakeProvider("/v1", r -> echo(r.path(), r.body()));
    }

    public static FakeProvider startAt(String pathPrefix) {
        return new FakeProvider(pathPrefix, r -> echo(r.path(), r.body()));
    }

    /**
     * A fake speaking another wire protocol: {@code defaultResponder} answers every request no
     * script was queued for (e.g. an Anthropic Messages or Gemini generateContent echo).
     */
    public static FakeProvider start(String pathPrefix, java.util.function.Function<Received, Script> defaultResponder) {
        return new FakeProvider(pathPrefix, defaultResponder);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + pathPrefix;
    }

    /** The server root without the path prefix (what a Bifrost base URL looks like). */
    public String rootUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public FakeProvider enqueue(Script... s) {
        scripts.addAll(List.of(s));
        return this;
    }

    public List<Received> requests() {
        return List.copyOf(received);
    }

    public Received lastRequest() {
        if (received.isEmpty()) throw new AssertionError("the fake provider received no request");
        return received.getLast();
    }

    /** When Zumik closed connections the fake was still answering (System.nanoTime). */
    public List<Long> aborts() {
        return List.copyOf(abortedAtNanos);
    }

    /** Waits until at least {@code n} aborts were seen. */
    public boolean awaitAborts(int n, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (abortedAtNanos.size() < n && System.nanoTime() < end) Thread.sleep(5);
        return abortedAtNanos.size() >= n;
    }

    public void reset() {
        scripts.clear();
        received.clear();
        abortedAtNanos.clear();
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String text = body.toString(StandardCharsets.UTF_8);
            String pathAndQuery = req.query() == null ? req.path() : req.path() + "?" + req.query();
            Received r = new Received(req.method().name(), pathAndQuery,
                    MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), text, System.nanoTime());
            received.add(r);
            Script script = scripts.poll();
            if (script == null) script = defaultResponder.apply(r);
            play(req, script);
        });
    }

    private void play(HttpServerRequest req, Script script) {
        HttpServerResponse res = req.response();
        boolean[] finished = {false};
        res.closeHandler(v -> {
            if (!finished[0]) abortedAtNanos.add(System.nanoTime());
        });
        switch (script) {
            case Script.Reply r -> {
                res.setStatusCode(r.status());
                r.headers().forEach(res::putHeader);
                finished[0] = true;
                res.end(r.body());
            }
            case Script.Hang h -> { }
            case Script.Reset r -> {
                finished[0] = true;
                req.connection().close();
            }
            case Script.Stream s -> {
                res.setStatusCode(200).setChunked(true);
                s.headers().forEach(res::putHeader);
                res.writeHead();
                steps(req, res, s.steps().iterator(), finished);
            }
        }
    }

    private void steps(HttpServerRequest req, HttpServerResponse res, Iterator<Script.Step> it, boolean[] finished) {
        while (it.hasNext()) {
            Script.Step step = it.next();
            switch (step) {
                case Script.Bytes b -> res.write(Buffer.buffer(b.bytes()));
                case Script.Delay d -> {
                    VERTX.setTimer(d.millis(), id -> steps(req, res, it, finished));
                    return;
                }
                case Script.Cut c -> {
                    finished[0] = true;
                    req.connection().close();
                    return;
                }
                case Script.Stall s -> {
                    return;
                }
            }
        }
        finished[0] = true;
        res.end();
    }

    /** The default answer, for responders that script some requests and leave the rest to it. */
    public static Script echo(Received r) {
        return echo(r.path(), r.body());
    }

    /** The default answer: OpenAI's shapes, echoing the last user message. */
    private static Script echo(String path, String body) {
        int q = path.indexOf('?');
        if (q >= 0) path = path.substring(0, q);
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (Exception e) {
            return Script.json(400, "{\"error\":{\"message\":\"bad json\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
        String model = req.path("model").asText();
        if (path.endsWith("/embeddings")) {
            return Script.json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,-0.2,0.3]}],"
                    + "\"model\":\"" + model + "\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}");
        }
        if (path.endsWith("/responses")) return ResponsesWire.echo(req);
        String last = "";
        for (JsonNode m : req.path("messages")) if ("user".equals(m.path("role").asText())) last = m.path("content").asText();
        String content = "echo: " + last;
        if (req.path("stream").asBoolean()) {
            var chunks = new Script.Chunks(model).role();
            for (String word : content.split("(?<= )")) chunks.text(word);
            chunks.finish("stop");
            if (req.path("stream_options").path("include_usage").asBoolean()) chunks.usage(11, 7, 0);
            return chunks.done().build();
        }
        return Script.json("{\"id\":\"chatcmpl-up1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Script.quote(content)
                + ",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
                + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_test\"}");
    }

    @Override
    public void close() {
        server.close().await();
    }

    public static Map<String, String> headers(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
