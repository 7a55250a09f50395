package ai.zumik.v1.responses;

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
import ai.zumik.ids.Ids;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.ResponsesWork;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import ai.zumik.surface.InferenceFront;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/responses}: OpenAI's Responses API. {@code POST} runs a response through the broker
 * (natively on OpenAI, translated everywhere else) and stores it unless {@code store} is false;
 * {@code background: true} answers at once with a queued Response and runs on. {@code GET /{id}},
 * {@code DELETE /{id}}, {@code POST /{id}/cancel} (background responses, on whichever replica runs
 * them) and {@code GET /{id}/input_items} read and manage what was stored, scoped to the project.
 */
public final class ResponsesApiHandler {
    public static final String PATH = "/v1/responses";
    public static final String ONE_PATH = "/v1/responses/*";
    private static final Logger LOG = LoggerFactory.getLogger(ResponsesApiHandler.class);

    private final ExecutionBroker broker;
    private final StoredResponses store;
    private final InFlight inFlight;
    private final CancelBus bus;
    private final InferenceFront front;
    private final Executor blocking;

    /** @param bus reaches background responses running on other replicas (PostgreSQL), or null */
    public ResponsesApiHandler(ExecutionBroker broker, Database db, InFlight inFlight, CancelBus bus, InferenceFront front,
                               Executor blocking) {
        this.broker = broker;
        this.store = new StoredResponses(db);
        this.inFlight = inFlight;
        this.bus = bus;
        this.front = front;
        this.blocking = blocking;
    }

    // ---- POST /v1/responses -------------------------------------------------------------------

    public void create(Exchange ex, Buffer body) {
        front.idempotent(ex, body, () -> run(ex, body));
    }

    private void run(Exchange ex, Buffer body) {
        ResponsesRequest req = ResponsesRequest.parse(Params.object(body));
        ex.responseId(Ids.next("rsp_", ex.startMs()));
        ex.stream(req.stream);
        String id = clientId(ex.responseId());
        req.assignIds(id.substring("resp_".length()));
        if (req.previousId == null) {
            start(ex, req, id, List.of());
            return;
        }
        String project = ex.principal().projectId();
        ex.offload(() -> store.chain(project, req.previousId), history -> start(ex, req, id, history));
    }

    private void start(Exchange ex, ResponsesRequest req, String id, List<ArrayNode> history) {
        ResponsesWork work = req.work(history);
        front.hintedQos(ex, qos -> {
            var ctx = new ExecutionContext(ex.traceId(), ex.responseId(), ex.principal(), PATH, "v1", req.model, req.stream,
                    ex.startNanos(), ex.startMs(), qos, false).withSpan(ex.span());
            long createdAt = ex.startMs() / 1000;
            if (req.background) {
                background(ex, req, id, createdAt, work, ctx);
                return;
            }
            String project = ex.principal().projectId();
            ResponsesRelay relay = new ResponsesRelay(ex, req, id, createdAt, (response, then) -> {
                if (!req.store) {
                    then.run();
                    return;
                }
                StoredResponses.Stored s = stored(req, id, ex.responseId(), response);
                ex.offload(() -> saveLogged(project, s), v -> then.run());
            });
            var result = broker.responses(ctx, work, relay);
            if (result.refusal() != null) {
                InferenceFront.refuse(ex, broker, ctx, result.refusal());
                return;
            }
            relay.attach(result.handle());
            ex.onClientClose(result.handle()::cancel);
        });
    }

    /** Stores the queued Response, answers with it, and lets the execution run on without the client. */
    private void background(Exchange ex, ResponsesRequest req, String id, long createdAt, ResponsesWork work,
                            ExecutionContext ctx) {
        String project = ex.principal().projectId();
        BackgroundRun run = new BackgroundRun(project, req, new ResponseBuilder(req, id, createdAt), ex.responseId());
        ObjectNode queued = run.builder.response("queued", req.model, Json.array(), null, null, null);
        ex.offload(() -> {
            store.saveIfAbsent(project, stored(req, id, ex.responseId(), queued));
            return queued;
        }, q -> {
            var result = broker.responses(ctx, work, run);
            if (result.refusal() != null) {
                ex.offload(() -> store.delete(project, id), gone -> InferenceFront.refuse(ex, broker, ctx, result.refusal()));
                return;
            }
            ex.sendJson(200, q);
        });
    }

    private static StoredResponses.Stored stored(ResponsesRequest req, String id, String responseId, ObjectNode response) {
        return new StoredResponses.Stored(id, responseId, req.previousId, response.path("status").asText(), req.items, response);
    }

    private Void saveLogged(String project, StoredResponses.Stored s) {
        try {
            store.save(project, s);
        } catch (RuntimeException e) {
            // The answer still reaches the client; only GET and chaining will not find it.
            LOG.error("could not store response {}: {}", s.id(), e.toString());
        }
        return null;
    }

    /** Receives a background response's events and stores how it ended. */
    private final class BackgroundRun implements ResponseSink {
        private final String project;
        private final ResponsesRequest request;
        private final ResponseBuilder builder;
        private final String responseId;

        BackgroundRun(String project, ResponsesRequest request, ResponseBuilder builder, String responseId) {
            this.project = project;
            this.request = request;
            this.builder = builder;
            this.responseId = responseId;
        }

        @Override
        public void onEvent(StreamEvent event, Served served) {
            switch (event) {
                case StreamEvent.Completion c -> {
                    ObjectNode response;
                    try {
                        JsonNode doc = Json.parse(c.json());
                        response = served.responsesNative() ? builder.adopt((ObjectNode) doc, served.responseModel())
                                : builder.fromCompletion(doc, served.responseModel(), c.usage());
                    } catch (IOException | ClassCastException e) {
                        response = failed(served, c.usage(), "server_error", "The upstream answer could not be read.");
                    }
                    end(response);
                }
                case StreamEvent.Failed f when f.failure().failureClass() == FailureClass.CANCELLED -> {
                    ObjectNode r = builder.response("cancelled", served.responseModel(), Json.array(),
                            f.usage() != null && f.usage().reported() ? f.usage() : null, null, null);
                    end(r);
                }
                case StreamEvent.Failed f -> {
                    ApiError e = ApiError.fromUpstream(f.failure());
                    end(failed(served, f.usage(), f.failure().failureClass() == FailureClass.RATE_LIMITED
                            ? "rate_limit_exceeded" : "server_error", e.message() + " (" + e.code() + ")"));
                }
                default -> { } // background responses never stream
            }
        }

        @Override
        public void onMeterFailure(Served served) {
            end(failed(served, null, "server_error", "Zumik could not record usage for this response. (usage_meter_unavailable)"));
        }

        private ObjectNode failed(Served served, Usage usage, String code, String message) {
            return builder.failedResponse(served.responseModel(), usage != null && usage.reported() ? usage : null, code,
                    message, Json.array());
        }

        /** Stores the end unless the response was cancelled meanwhile (the cancel already stored it). */
        private void end(ObjectNode response) {
            blocking.execute(() -> {
                try {
                    store.endIfRunning(project, builder.id(), response);
                } catch (RuntimeException e) {
                    LOG.error("could not store the end of background response {} ({}): {}", builder.id(), responseId, e.toString());
                }
            });
        }
    }

    // ---- GET, DELETE, cancel, input_items -------------------------------------------------------

    /** {@code GET /v1/responses/{id}} and {@code GET /v1/responses/{id}/input_items}. */
    public void get(Exchange ex) {
        String tail = tail(ex);
        if (tail.endsWith("/input_items")) {
            inputItems(ex, tail.substring(0, tail.length() - "/input_items".length()));
            return;
        }
        if (tail.contains("/")) throw unknown(ex);
        if (ex.query().get("stream") != null && ex.query().get("stream").equals("true")) {
            throw ApiError.invalid("stream", "unsupported_parameter",
                    "Resuming a response's stream is not supported by Zumik; GET the response without 'stream'.").exception();
        }
        String project = ex.principal().projectId();
        ex.offload(() -> found(project, tail), s -> ex.sendJson(200, s.response()));
    }

    public void delete(Exchange ex) {
        String id = tail(ex);
        if (id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> {
            if (!store.delete(project, id)) throw notFound(id);
            return id;
        }, gone -> ex.sendJson(200, Json.object().put("id", gone).put("object", "response").put("deleted", true)));
    }

    /**
     * {@code POST /v1/responses/{id}/cancel}: as at OpenAI, only a background response can be
     * cancelled; one that already ended as cancelled is returned as it is.
     */
    public void cancel(Exchange ex) {
        String t = tail(ex);
        if (!t.endsWith("/cancel")) throw unknown(ex);
        String id = t.substring(0, t.length() - "/cancel".length());
        String project = ex.principal().projectId();
        ex.offload(() -> {
            StoredResponses.Stored s = found(project, id);
            if (!s.response().path("background").asBoolean(false)) {
                throw ApiError.invalid(null, "response_not_cancellable",
                        "Only responses created with background=true can be cancelled.").exception();
            }
            String status = s.status();
            if (status.equals("cancelled")) return s.response();
            if (!status.equals("queued") && !status.equals("in_progress")) {
                throw ApiError.invalid(null, "response_not_cancellable",
                        "Cannot cancel a response with status '" + status + "'.").exception();
            }
            ObjectNode cancelled = s.response().deepCopy();
            cancelled.put("status", "cancelled");
            if (!store.endIfRunning(project, id, cancelled)) return found(project, id).response(); // it just ended
            if (!inFlight.cancel(project, s.responseId()) && bus != null) bus.cancelElsewhere(project, s.responseId()).join();
            return cancelled;
        }, r -> ex.sendJson(200, r));
    }

    private void inputItems(Exchange ex, String id) {
        if (id.contains("/")) throw unknown(ex);
        var q = ex.query();
        int limit = q.get("limit") == null ? 20 : Params.queryLimit(q.get("limit"));
        String order = Params.oneOf(q.get("order") == null ? "desc" : q.get("order"), "order", java.util.Set.of("asc", "desc"));
        String after = q.get("after");
        String project = ex.principal().projectId();
        ex.offload(() -> found(project, id), s -> {
            List<JsonNode> items = new java.util.ArrayList<>();
            s.inputItems().forEach(items::add);
            if (order.equals("desc")) java.util.Collections.reverse(items);
            int from = 0;
            if (after != null) {
                from = -1;
                for (int i = 0; i < items.size(); i++) if (after.equals(items.get(i).path("id").asText())) from = i + 1;
                if (from < 0) throw Params.invalidValue("after", "Invalid 'after': no input item with id '" + after + "' in this response.");
            }
            List<JsonNode> page = items.subList(from, Math.min(items.size(), from + limit));
            ObjectNode list = Json.object();
            list.put("object", "list");
            ArrayNode data = list.putArray("data");
            page.forEach(data::add);
            list.put("first_id", page.isEmpty() ? null : page.getFirst().path("id").asText());
            list.put("last_id", page.isEmpty() ? null : page.getLast().path("id").asText());
            list.put("has_more", from + page.size() < items.size());
            ex.sendJson(200, list);
        });
    }

    private StoredResponses.Stored found(String project, String id) {
        return store.find(project, id).orElseThrow(() -> notFound(id));
    }

    /** The client-facing id of response {@code rsp_…}: the same suffix, OpenAI's prefix. */
    static String clientId(String responseId) {
        return "resp_" + responseId.substring("rsp_".length());
    }

    private static String tail(Exchange ex) {
        return ex.request().path().substring(PATH.length() + 1);
    }

    private static ApiException unknown(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("Response with id '" + id + "' not found.").exception();
    }
}
