package ai.zumik.provider.openai;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.Endpoint;
import ai.zumik.provider.HttpAttempt;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.UsageTable;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UpstreamCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The OpenAI-compatible adapter. The client's own JSON goes upstream with only {@code model}
 * rewritten (and {@code stream_options.include_usage} forced on for streams, so usage can always be
 * billed); the upstream's own chunks come back as they are. Nothing Zumik does not interpret is
 * added, dropped or reordered; the one exception is a {@code usage} object that deviates from
 * OpenAI's, which is replaced by its corrected form ({@link UsageTable#openAiForClient}).
 */
public final class OpenAiCompatibleAdapter implements ProviderAdapter {
    private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** What this adapter reads, and what the surface rewrites ({@code id}, {@code model}), in one scan. */
    private static final String[] COMPLETION_FIELDS = {"error", "usage", "id", "model"};
    private static final String[] CHUNK_FIELDS = {"error", "usage", "choices", "id", "model"};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    /** A chunk that finishes a choice carries one of these (compact, or with a space as some servers write). */
    private static final byte[] FINISH = "\"finish_reason\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] FINISH_SPACED = "\"finish_reason\": \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private final OpenAiFlavor flavor;
    private final Transport transport;

    public OpenAiCompatibleAdapter(OpenAiFlavor flavor, Transport transport) {
        this.flavor = flavor;
        this.transport = transport;
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        // The body is the request's own tree: rewriting in place is safe because each attempt sets
        // every field it changes, and it saves a deep copy per request.
        ObjectNode body = call.request().body();
        body.put("model", call.upstreamModel());
        ObjectNode opts = null;
        if (call.request().stream()) {
            JsonNode so = body.get("stream_options");
            opts = so instanceof ObjectNode o ? o : body.putObject("stream_options");
            opts.put("include_usage", true);
        }
        JsonNode tier = body.get("service_tier");
        var wire = wire(body, call.request().raw(), Json.quoted(call.upstreamModel()),
                opts == null ? null : Json.bytes(opts), tier == null ? null : Json.bytes(tier));
        return new Attempt(flavor.chatPath(), wire, call.timeouts(),
                call.request().stream(), events, call.request().n(), call.request().includeUsage()).start();
    }

    /**
     * What an attempt sends: with the client's bytes ({@code raw}, a /v1 request), those bytes with
     * the members Zumik sets ({@code values}, one per member of the request's {@code SET_BY_ZUMIK},
     * null leaving it as it is) spliced in, rather than the tree written out again — every other byte
     * (key order, spacing, escapes, number forms) reaches the provider as the client sent it, and a
     * 100 KB agent prompt costs a copy instead of a serialization. The copy is made when the attempt
     * has a connection to send it on, and is not kept: a request in flight holds its client's bytes
     * once, not twice (for large prompts under load that decides whether young collections can keep
     * the requests in flight or promote them). The tree stays the truth: the spliced bytes must parse
     * to it (asserted, so the tests catch a member set anywhere else). Without raw bytes the tree is
     * written, at once (a later attempt rewrites the tree).
     */
    static Supplier<Buffer> wire(ObjectNode body, TopLevel raw, byte[]... values) {
        if (raw == null) {
            Buffer written = Buffer.buffer(Json.bytes(body));
            return () -> written;
        }
        assert parsesTo(raw.set(values), body) : "a member of the client's body was changed that Zumik does not set";
        return () -> Buffer.buffer(raw.set(values));
    }

    private static boolean parsesTo(byte[] json, JsonNode tree) {
        try {
            return Json.parse(json).equals(tree);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        ObjectNode body = call.request().body();
        body.put("model", call.upstreamModel());
        var wire = wire(body, call.request().raw(), Json.quoted(call.upstreamModel()));
        return new Attempt(flavor.embeddingsPath(), wire, call.timeouts(), false, events, 1, false).start();
    }

    @Override
    public boolean speaksResponses() {
        return flavor.speaksResponses();
    }

    @Override
    public UpstreamCall responses(ai.zumik.provider.ResponsesCall call, Consumer<StreamEvent> events) {
        if (!flavor.speaksResponses()) return ProviderAdapter.super.responses(call, events);
        return new OpenAiResponsesAttempt(flavor, transport, call, events).start();
    }

    private final class Attempt extends HttpAttempt {
        private final String path;
        private final Supplier<Buffer> body;
        private Long headerCachedTokens;
        private Usage usage = Usage.UNREPORTED;
        private boolean chunkSeen;
        /**
         * The last chunk whose usage came with choices, and that usage as the client sees it: sent
         * as a usage-only chunk before the stream's end, built once there however many chunks carried usage.
         */
        private byte[] movedFrom;
        private JsonNode movedUsage;
        /** How many choices the stream must finish, whether the client asked for usage, and which have finished. */
        private final int choices;
        private final boolean usageAsked;
        private final java.util.BitSet finished = new java.util.BitSet();

        Attempt(String path, Supplier<Buffer> body, Timeouts timeouts, boolean stream, Consumer<StreamEvent> events,
                int choices, boolean usageAsked) {
            super(OpenAiCompatibleAdapter.this.transport, timeouts, stream, events);
            this.path = path;
            this.body = body;
            this.choices = Math.max(1, choices);
            this.usageAsked = usageAsked;
        }

        /**
         * Several OpenAI-compatible servers close cleanly after the last chunk without sending
         * {@code [DONE]}. A close after every choice has its {@code finish_reason} (and the usage,
         * when the client asked for it) is a complete answer: it ends as if {@code [DONE]} had come.
         * Any earlier close stays a broken stream.
         */
        @Override
        protected void onStreamClosed() {
            if (finished.cardinality() >= choices && (!usageAsked || usage.reported())) {
                end();
                return;
            }
            super.onStreamClosed();
        }

        private void end() {
            if (movedFrom != null) emit(new StreamEvent.Chunk(usageChunk(movedFrom, movedUsage), usage, true));
            finish(new StreamEvent.End(usage));
        }

        /** Notes the choices a chunk finishes; parsed only when its bytes carry a non-null finish_reason. */
        private void noteFinished(byte[] json) {
            if (indexOf(json, FINISH) < 0 && indexOf(json, FINISH_SPACED) < 0) return;
            try {
                for (JsonNode c : Json.parse(json).path("choices")) {
                    if (c.hasNonNull("finish_reason")) finished.set(c.path("index").asInt(0));
                }
            } catch (IOException ignored) {
                // The chunk scanned as an object already; it parses.
            }
        }

        @Override
        protected Endpoint endpoint() {
            return flavor.endpoint();
        }

        @Override
        protected String path() {
            return path;
        }

        @Override
        protected void headers(HttpClientRequest r) {
            flavor.authorize(r);
        }

        @Override
        protected Buffer body() {
            return body.get();
        }

        @Override
        protected void onHead(HttpClientResponse head) {
            if (flavor.cachedTokensHeader() == null) return;
            String v = head.getHeader(flavor.cachedTokensHeader());
            if (v != null) {
                try {
                    headerCachedTokens = Long.parseLong(v.trim());
                } catch (NumberFormatException ignored) {
                    // A malformed quirk header is the same as an absent one.
                }
            }
        }

        @Override
        protected UpstreamFailure errorResponse(int status, MultiMap headers, byte[] bytes) {
            return OpenAiWire.error(flavor.name(), status, headers, bytes);
        }

        @Override
        protected StreamEvent completion(HttpClientResponse head, byte[] bytes) {
            TopLevel doc;
            try {
                doc = TopLevel.scan(bytes, COMPLETION_FIELDS, "error", "usage");
            } catch (IOException e) {
                return StreamEvent.Failed.malformed("The upstream returned a body that is not a JSON object.");
            }
            if (doc.tree("error") instanceof ObjectNode err) {
                ObjectNode root = Json.object();
                root.set("error", err);
                return new StreamEvent.Failed(OpenAiWire.error(flavor.name(), 502, head.headers(), root), Usage.UNREPORTED);
            }
            JsonNode u = doc.tree("usage");
            Usage usage = UsageTable.openAi(u, headerCachedTokens);
            ObjectNode shown = UsageTable.openAiForClient(u, headerCachedTokens);
            // Rewritten bytes no longer match the scan, so only the untouched body carries it on.
            return shown == null ? new StreamEvent.Completion(bytes, usage, doc)
                    : new StreamEvent.Completion(doc.replaceValue("usage", Json.bytes(shown)), usage);
        }

        @Override
        protected void onSseEvent(String event, byte[] data, int length) {
            if (length == DONE.length && java.util.Arrays.equals(data, 0, length, DONE, 0, length)) {
                end();
                return;
            }
            byte[] json = java.util.Arrays.copyOf(data, length);
            TopLevel chunk;
            try {
                chunk = TopLevel.scan(json, CHUNK_FIELDS, "error", "usage");
            } catch (IOException e) {
                fail(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE,
                        "The upstream sent a stream event that is not a JSON object."), usage);
                return;
            }
            JsonNode error = chunk.tree("error");
            if ("error".equals(event) || error != null && !error.isNull()) {
                ObjectNode root = Json.object();
                root.set("error", error == null ? Json.NODES.nullNode() : error);
                UpstreamFailure f = OpenAiWire.error(flavor.name(), 500, MultiMap.caseInsensitiveMultiMap(), root);
                // An error event after content is an interruption; as the first event it is an
                // ordinary upstream failure that another attempt may still fix.
                fail(chunkSeen && f.failureClass() == FailureClass.SERVER_ERROR
                        ? new UpstreamFailure(FailureClass.STREAM_INTERRUPTED, 0, f.message(), null, f.providerCode(), null)
                        : f, usage);
                return;
            }
            Usage chunkUsage = null;
            boolean usageOnly = false;
            byte[] original = json;
            if (chunk.tree("usage") instanceof ObjectNode u) {
                chunkUsage = UsageTable.openAi(u, headerCachedTokens);
                usage = chunkUsage;
                ObjectNode shown = UsageTable.openAiForClient(u, headerCachedTokens);
                if (chunk.isEmptyArray("choices")) {
                    usageOnly = true;
                    movedFrom = null;
                    if (shown != null) json = chunk.replaceValue("usage", Json.bytes(shown));
                } else {
                    movedFrom = json;
                    movedUsage = shown != null ? shown : u;
                    json = chunk.replaceValue("usage", NULL);
                }
            }
            chunkSeen = true;
            noteFinished(original);
            emit(new StreamEvent.Chunk(json, chunkUsage, usageOnly, json == original ? chunk : null));
        }

        /**
         * Usage that came on a chunk with choices (Fireworks puts it on the chunk with
         * {@code finish_reason}, by third-party reports) moves to a final chunk of its own with
         * {@code choices: []}, where OpenAI puts it and its clients look for it: the OpenAI Java
         * SDK's accumulator fails on usage next to choices. The chunk keeps every other member.
         */
        private static byte[] usageChunk(byte[] json, JsonNode usage) {
            ObjectNode root;
            try {
                root = (ObjectNode) Json.parse(json);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("a chunk TopLevel scanned as an object did not parse", e);
            }
            root.putArray("choices");
            root.set("usage", usage);
            return Json.bytes(root);
        }
    }
}
