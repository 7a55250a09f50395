package ai.zumik.v2;

import ai.zumik.broker.CancelBus;
import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.broker.InFlight;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.http.Sse;
import ai.zumik.ids.Ids;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.ChoiceContent;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;
import ai.zumik.metering.UsageQueries;
import ai.zumik.qos.QosParser;
import ai.zumik.qos.QosRequest;
import ai.zumik.surface.AgentHeaders;
import ai.zumik.surface.InferenceFront;
import ai.zumik.v1.ChatRequestParser;
import ai.zumik.state.SessionStore;
import ai.zumik.state.SnapshotCompiler;
import ai.zumik.state.StateError;
import ai.zumik.state.StateObjects.Snapshot;
import ai.zumik.store.Pipeline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Set;

/**
 * {@code /v2/responses}: the native way to run a model. {@code POST} takes {@code model},
 * {@code input} (a string or a list of {role, content} messages), optional {@code instructions},
 * {@code qos}, {@code stream}, {@code max_output_tokens}, {@code temperature}, and answers with the
 * native response object: output text, execution profile and mode, the QoS outcome, the routing
 * decision, every attempt and usage. The object is rendered from the stored record, so what
 * {@code POST} returns is exactly what {@code GET /v2/responses/{id}} returns later. Streaming
 * sends {@code response.created}, {@code response.output_text.delta} events and a final
 * {@code response.completed} (or {@code response.cancelled}, or {@code error}) event carrying the
 * object.
 */
public final class ResponsesHandler {
    public static final String PATH = "/v2/responses";
    public static final String ONE_PATH = "/v2/responses/*";
    private static final Set<String> FIELDS = Set.of("model", "input", "instructions", "qos", "stream", "max_output_tokens",
            "temperature", "top_p", "metadata", "session_id", "branch_id", "snapshot_id");

    private final ExecutionBroker broker;
    private final UsageQueries records;
    private final InFlight inFlight;
    private final CancelBus bus;
    private final InferenceFront front;
    private final SessionStore sessions;
    private final SnapshotCompiler compiler;

    /** @param bus reaches responses running on other replicas (PostgreSQL), or null */
    public ResponsesHandler(ExecutionBroker broker, UsageQueries records, InFlight inFlight, CancelBus bus,
                            InferenceFront front, SessionStore sessions, SnapshotCompiler compiler) {
        this.front = front;
        this.sessions = sessions;
        this.compiler = compiler;
        this.broker = broker;
        this.records = records;
        this.inFlight = inFlight;
        this.bus = bus;
    }

    public void create(Exchange ex, Buffer body) {
        front.idempotent(ex, body, () -> run(ex, body));
    }

    private void run(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        String model = Params.requiredString(req, "model", "model");
        String sessionId = Params.optionalString(req, "session_id", "session_id");
        String branchId = Params.optionalString(req, "branch_id", "branch_id");
        String snapshotId = Params.optionalString(req, "snapshot_id", "snapshot_id");
        if (sessionId == null && branchId == null && snapshotId == null) {
            execute(ex, req, model, null);
            return;
        }
        checkPrefix(sessionId, "session_id", "ses_");
        checkPrefix(branchId, "branch_id", "br_");
        checkPrefix(snapshotId, "snapshot_id", "snp_");
        String project = ex.principal().projectId();
        ex.offload(() -> StateJson.call(() -> statePlan(project, sessionId, branchId, snapshotId)),
                plan -> execute(ex, req, model, plan));
    }

    private static void checkPrefix(String id, String param, String prefix) {
        if (id != null && !id.startsWith(prefix)) {
            throw Params.invalidValue(param, "Invalid '" + param + "': expected an id that begins with '" + prefix + "'.");
        }
    }

    /** The state a response runs against: its snapshot, what it materializes to, and whether the turn is appended. */
    record StatePlan(Snapshot snapshot, SnapshotCompiler.Materialized materialized, SnapshotCompiler.Serialized serialized,
                     boolean append, Long generation) {
        /** @param provider the target's provider */
        String materializationKey(String provider) {
            return serialized == null ? SnapshotCompiler.materializationKey(snapshot, provider)
                    : SnapshotCompiler.materializationKey(snapshot, serialized, provider);
        }
    }

    /**
     * A pinned snapshot runs as it is and appends nothing (a reproduction); a branch (or a session's
     * default branch) is compiled into a new snapshot of its head, and the turn is appended to it.
     */
    private StatePlan statePlan(String project, String sessionId, String branchId, String snapshotId) {
        if (snapshotId != null) {
            Snapshot s = sessions.snapshot(project, snapshotId);
            if (sessionId != null && !sessionId.equals(s.sessionId()) || branchId != null && !branchId.equals(s.branchId())) {
                throw new StateError.Invalid("snapshot_id", "invalid_value", "Invalid 'snapshot_id': snapshot '" + snapshotId
                        + "' belongs to another session or branch than the one named.");
            }
            return new StatePlan(s, compiler.materialize(project, s), null, false, null);
        }
        var compiled = compiler.compileForTurn(project, sessionId, branchId);
        return new StatePlan(compiled.snapshot(), compiled.materialized(), compiled.serialized(), true, compiled.generation());
    }

    private void execute(Exchange ex, ObjectNode req, String model, StatePlan plan) {
        boolean stream = Boolean.TRUE.equals(Params.optionalBoolean(req, "stream", "stream"));
        QosRequest qos;
        ChatRequest chat;
        int prefix = plan == null ? 0 : plan.materialized().messages().size();
        try {
            qos = QosParser.strict(req.get("qos"), "qos");
            chat = ChatRequestParser.parse(chatBody(req, model, stream, plan));
        } catch (RequestRejected r) {
            throw ApiError.invalid(r.param(), r.code(), r.getMessage()).exception();
        } catch (ApiException e) {
            throw inputParam(e.error(), req.hasNonNull("instructions"), prefix, plan).exception();
        }
        ex.responseId(Ids.next("rsp_", ex.startMs()));
        ex.stream(stream);
        var ctx = new ExecutionContext(ex.traceId(), ex.responseId(), ex.principal(),
                PATH, "v2", model, stream, ex.startNanos(), ex.startMs(), qos, true).withSpan(ex.span());
        Sink sink = new Sink(ex, stream, plan, plan == null ? null : inputText(req.get("input")));
        var result = broker.chat(ctx, chat, sink);
        if (result.refusal() != null) {
            InferenceFront.refuse(ex, broker, ctx, result.refusal());
            return;
        }
        ex.onClientClose(result.handle()::cancel);
    }

    /** The text of the user's turn, as its event records it. */
    private static String inputText(JsonNode input) {
        if (input.isTextual()) return input.textValue();
        StringBuilder sb = new StringBuilder();
        for (JsonNode m : input) {
            JsonNode c = m.path("content");
            if (c.isTextual()) sb.append(sb.isEmpty() ? "" : "\n").append(c.textValue());
            else for (JsonNode part : c) if (part.path("text").isTextual()) sb.append(sb.isEmpty() ? "" : "\n").append(part.path("text").textValue());
        }
        return sb.toString();
    }

    public void get(Exchange ex) {
        String id = tail(ex);
        if (id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> {
            var e = records.byResponse(project, id);
            if (e == null) throw notFound(id);
            ObjectNode json = ResponseRecords.json(e);
            json.set("state", sessions.turn(project, id).<JsonNode>map(StateJson::turn).orElse(Json.NODES.nullNode()));
            return json;
        }, json -> ex.sendJson(200, json));
    }

    /** {@code POST /v2/responses/{id}/cancel}: cancels a response still queued or running. */
    public void cancel(Exchange ex) {
        String t = tail(ex);
        if (!t.endsWith("/cancel")) throw unknown(ex);
        String id = t.substring(0, t.length() - "/cancel".length());
        String project = ex.principal().projectId();
        if (inFlight.cancel(project, id)) {
            ex.sendJson(200, cancelledJson(id));
            return;
        }
        ex.offload(() -> {
            finished(project, id);
            // Not here and not finished: it may run on another replica.
            if (bus != null && bus.cancelElsewhere(project, id).join()) return id;
            finished(project, id); // it may have finished while we asked
            throw notFound(id);
        }, cancelled -> ex.sendJson(200, cancelledJson(cancelled)));
    }

    /** Throws 409 when the response has a record, i.e. has finished. */
    private void finished(String project, String id) {
        var e = records.byResponse(project, id);
        if (e != null) {
            throw new ApiError(409, "invalid_request_error", "response_not_cancellable", null,
                    "Response '" + id + "' already finished with status '" + e.outcome() + "'.", null).exception();
        }
    }

    private static ObjectNode cancelledJson(String id) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "response");
        o.put("status", "cancelled");
        return o;
    }

    /**
     * The chat request: instructions, then the state's blocks (bundle blocks, then the branch's
     * history, in the snapshot's order), then the input; the state's tools and response schema.
     */
    private static ObjectNode chatBody(ObjectNode req, String model, boolean stream, StatePlan plan) {
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        JsonNode instructions = req.get("instructions");
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isTextual()) throw Params.wrongType("instructions", "a string", instructions);
            messages.addObject().put("role", "system").put("content", instructions.textValue());
        }
        if (plan != null) {
            messages.addAll(plan.materialized().messages());
            if (!plan.materialized().tools().isEmpty()) body.set("tools", plan.materialized().tools());
            if (plan.materialized().responseFormat() != null) body.set("response_format", plan.materialized().responseFormat());
        }
        JsonNode input = req.get("input");
        if (input == null || input.isNull()) throw Params.missing("input");
        if (input.isTextual()) {
            if (input.textValue().isEmpty()) {
                throw ApiError.invalid("input", "empty_string", "Invalid 'input': empty string.").exception();
            }
            messages.addObject().put("role", "user").put("content", input.textValue());
        } else if (input.isArray()) {
            if (input.isEmpty()) throw ApiError.invalid("input", "empty_array", "Invalid 'input': empty array.").exception();
            messages.addAll((ArrayNode) input);
        } else {
            throw Params.wrongType("input", "a string or an array of messages", input);
        }
        if (stream) body.put("stream", true);
        copy(req, body, "max_output_tokens", "max_completion_tokens");
        copy(req, body, "temperature", "temperature");
        copy(req, body, "top_p", "top_p");
        return body;
    }

    /**
     * The chat parser names {@code messages[i]}; on this surface that is {@code input[i]} (after
     * instructions and the state's blocks), or the state itself for one of its blocks.
     */
    private static ApiError inputParam(ApiError err, boolean instructions, int prefix, StatePlan plan) {
        if (err.param() == null || !err.param().startsWith("messages") && !err.param().startsWith("tools")
                && !err.param().startsWith("response_format")) {
            return err;
        }
        var m = java.util.regex.Pattern.compile("^messages\\[(\\d+)](.*)").matcher(err.param());
        int offset = (instructions ? 1 : 0) + prefix;
        String state = plan == null ? "input" : plan.append() ? "branch_id" : "snapshot_id";
        String param;
        if (!err.param().startsWith("messages")) param = state; // tools and schema come only from the state
        else if (m.matches() && Integer.parseInt(m.group(1)) >= offset) {
            param = "input[" + (Integer.parseInt(m.group(1)) - offset) + "]" + m.group(2);
        } else param = m.matches() && Integer.parseInt(m.group(1)) >= (instructions ? 1 : 0) ? state
                : err.param().replaceFirst("^messages(\\[0])?", "instructions");
        return new ApiError(err.status(), err.type(), err.code(), param, err.message().replace(err.param(), param),
                err.retryAfterSeconds());
    }

    private static void copy(ObjectNode from, ObjectNode to, String name, String as) {
        if (from.hasNonNull(name)) to.set(as, from.get(name));
    }

    private static String tail(Exchange ex) {
        return ex.request().path().substring(PATH.length() + 1);
    }

    private static ApiException unknown(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("No response with id '" + id + "' exists in this project.").exception();
    }

    /** Renders events natively: text deltas as they arrive, then the stored object. */
    private final class Sink implements ResponseSink {
        private final Exchange ex;
        private final boolean stream;
        private final StatePlan plan;
        private final String input;
        private boolean started;

        Sink(Exchange ex, boolean stream, StatePlan plan, String input) {
            this.ex = ex;
            this.stream = stream;
            this.plan = plan;
            this.input = input;
        }

        @Override
        public void onEvent(StreamEvent event, Served served) {
            if (ex.finished()) return;
            ex.served(served.provider().wireId(), served.model(), served.mode().wire());
            ex.upstreamTimings(served.ttftNanos(), served.upstreamNanos());
            switch (event) {
                case StreamEvent.Chunk c -> {
                    if (!stream || c.usageOnly()) return;
                    begin(served);
                    String delta = ChoiceContent.of(c.json(), "delta");
                    if (delta != null && !delta.isEmpty()) {
                        ObjectNode d = Json.object();
                        d.put("type", "response.output_text.delta");
                        d.put("response_id", ex.responseId());
                        d.put("delta", delta);
                        ex.write(event("response.output_text.delta", d));
                    }
                }
                case StreamEvent.Failed f when f.failure().failureClass() == FailureClass.CANCELLED ->
                        finish(served, null, "response.cancelled");
                case StreamEvent.Failed f -> finish(served, ApiError.fromUpstream(f.failure()), null);
                default -> finish(served, null, "response.completed");
            }
        }

        @Override
        public boolean retract() {
            // This sink writes each event as it comes, so only a stream with nothing written can be taken back.
            if (ex.finished() || ex.response().headWritten()) return false;
            started = false;
            return true;
        }

        @Override
        public void onMeterFailure(Served served) {
            finish(served, ApiError.unavailable("usage_meter_unavailable",
                    "Zumik could not record this response, so it was not delivered. Retry shortly."), null);
        }

        private void begin(Served served) {
            if (started) return;
            started = true;
            AgentHeaders.apply(ex.response(), served);
            Sse.start(ex.response());
            ObjectNode created = Json.object();
            created.put("type", "response.created");
            created.put("response_id", ex.responseId());
            ex.write(event("response.created", created));
        }

        /** The turn as it committed with the usage event (see {@link #companion}); null until then, or when it did not. */
        private volatile SessionStore.Turn committedTurn;

        /**
         * A response against state writes its turn (events, snapshot, record) in the usage event's
         * own transaction where the meter can: one commit for both, and neither without the other.
         */
        @Override
        public UsageMeter.Companion companion(StreamEvent terminal, UsageEvent record) {
            if (plan == null) return null;
            String project = ex.principal().projectId();
            boolean completed = !(terminal instanceof StreamEvent.Failed);
            return new UsageMeter.Companion() {
                private SessionStore.TurnWrites turn;

                @Override
                public void addTo(Pipeline writes) {
                    turn = turnWrites(project, record, completed);
                    turn.addTo(writes);
                }

                @Override
                public void committed(int[] counts) {
                    committedTurn = turn.result(counts);
                }
            };
        }

        /** The turn lands on the branch only when the response completed against the branch's head. */
        private SessionStore.TurnWrites turnWrites(String project, UsageEvent e, boolean completed) {
            boolean appends = completed && e.output() != null;
            return sessions.turnWrites(project, e.responseId(), plan.snapshot(), plan.serialized(), plan.append(),
                    plan.materializationKey(e.provider()), plan.append() && appends ? input : null, appends ? e.output() : null,
                    plan.generation());
        }

        /** The record is durable now: render the stored object (or the error) and end. */
        private void finish(Served served, ApiError error, String doneEvent) {
            if (error != null) ex.errorCode(error.code());
            String project = ex.principal().projectId();
            String id = ex.responseId();
            // Rendered on the event loop when nothing is left to read or write: the record rides on the
            // terminal event and the turn (if any) committed with it — on PostgreSQL, or with no state.
            SessionStore.Turn committed = committedTurn;
            boolean io = served.record() == null || plan != null && (committed == null || committed.purgedMeanwhile());
            ex.offload(io, () -> {
                // The record as it was made durable rides on the terminal event: no read back (and no wait for it).
                boolean made = served.record() != null;
                var e = made ? served.record() : records.byResponse(project, id);
                if (e == null) return Json.object(); // the record could not be made durable: only the error is sent
                ObjectNode json = ResponseRecords.json(e, made);
                if (plan != null) {
                    // On PostgreSQL the turn committed with the usage event; otherwise it is written now.
                    var turn = committed != null ? committed
                            : turnWrites(project, e, error == null && "response.completed".equals(doneEvent)).commit();
                    // Its session or artifacts were purged while it ran: the answer is derived from them.
                    if (turn.purgedMeanwhile()) records.forgetOutput(project, id);
                    json.set("state", StateJson.turn(turn));
                } else {
                    json.putNull("state");
                }
                return json;
            }, record -> {
                if (stream) {
                    begin(served);
                    if (error != null) {
                        ex.endStream(event("error", error.toJson()));
                    } else {
                        ObjectNode done = Json.object();
                        done.put("type", doneEvent);
                        done.set("response", record);
                        ex.endStream(event(doneEvent, done));
                    }
                    return;
                }
                AgentHeaders.apply(ex.response(), served);
                if (error != null) ex.sendError(error);
                else ex.sendJson(200, record);
            });
        }

        private Buffer event(String name, ObjectNode data) {
            return Buffer.buffer("event: " + name + "\n").appendBuffer(Sse.append(Buffer.buffer(), Json.bytes(data)));
        }
    }
}
