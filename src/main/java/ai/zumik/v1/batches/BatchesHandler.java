package ai.zumik.v1.batches;

import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.surface.Idempotency;
import ai.zumik.v1.files.FileObject;
import ai.zumik.v1.files.FileStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /v1/batches}, OpenAI's Batch API: create (from an uploaded {@code batch} file), list
 * (newest first, {@code after}/{@code limit}), retrieve and cancel. Creating only checks the
 * request and the input file and stores the batch ({@code validating}); the {@link BatchRunner}
 * does the rest in the background. Every lookup is scoped to the caller's project: another
 * project's batch is a 404, word for word the one for a missing batch. A create may carry an
 * {@code Agent-Idempotency-Key}, so a retried create makes one batch.
 */
public final class BatchesHandler {
    public static final String PATH = "/v1/batches";
    public static final String ONE_PATH = "/v1/batches/*";
    static final long WINDOW_MS = 24 * 3_600_000L;
    static final long DEFAULT_OUTPUT_EXPIRY_S = 24 * 3_600;
    private static final Set<String> FIELDS = Set.of("input_file_id", "endpoint", "completion_window", "metadata",
            "output_expires_after");
    private static final int METADATA_PAIRS = 16;
    private static final int METADATA_KEY = 64;
    private static final int METADATA_VALUE = 512;

    private final BatchStore store;
    private final FileStore files;
    private final BatchRunner runner;
    private final Idempotency idempotency;
    private final Clock clock;

    public BatchesHandler(BatchRunner runner, FileStore files, Idempotency idempotency, Clock clock) {
        this.store = runner.store();
        this.files = files;
        this.runner = runner;
        this.idempotency = idempotency;
        this.clock = clock;
    }

    /** {@code POST /v1/batches}. */
    public void create(Exchange ex, Buffer body) {
        idempotency.guard(ex, body, () -> {
            ObjectNode req = Params.object(body);
            Params.rejectUnknown(req, FIELDS);
            String inputFileId = Params.requiredString(req, "input_file_id", "input_file_id");
            String url = Params.requiredString(req, "endpoint", "endpoint");
            BatchEndpoint endpoint = BatchEndpoint.of(url);
            if (endpoint == null) {
                throw Params.invalidValue("endpoint", "Invalid 'endpoint': '" + url + "'. Supported values are: "
                        + Arrays.stream(BatchEndpoint.values()).map(e -> "'" + e.url() + "'").collect(Collectors.joining(", "))
                        + ".");
            }
            String window = Params.optionalString(req, "completion_window", "completion_window");
            if (window == null) window = "24h";
            Params.oneOf(window, "completion_window", Set.of("24h"));
            String metadata = metadata(req);
            long outputExpiry = outputExpiry(req);
            String project = ex.principal().projectId();
            String keyId = ex.principal().keyId();
            String completionWindow = window;
            ex.offload(() -> {
                FileObject input = files.find(project, inputFileId).orElseThrow(() -> Params.invalidValue("input_file_id",
                        "Invalid 'input_file_id': no file '" + inputFileId + "' exists in this project."));
                if (!input.purpose().equals(FileObject.BATCH)) {
                    throw Params.invalidValue("input_file_id", "Invalid 'input_file_id': file '" + inputFileId
                            + "' has purpose '" + input.purpose() + "'; a batch's input file must have purpose 'batch'.");
                }
                long now = clock.millis();
                Batch b = new Batch(Ids.next(Batch.PREFIX, now), project, keyId, endpoint.url(), inputFileId,
                        completionWindow, BatchStatus.VALIDATING, null, metadata, null, null, null, outputExpiry, now, null,
                        now + WINDOW_MS, null, null, null, null, null, null, 0, 0, 0, 0, 0, 0, 0);
                store.insert(b);
                return b;
            }, b -> {
                runner.created();
                ex.sendJson(200, b.json());
            });
        });
    }

    /** OpenAI's metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. */
    private static String metadata(ObjectNode req) {
        ObjectNode m = Params.optionalObject(req, "metadata", "metadata");
        if (m == null) return null;
        if (m.size() > METADATA_PAIRS) {
            throw Params.invalidValue("metadata", "Invalid 'metadata': at most " + METADATA_PAIRS + " pairs, got " + m.size() + ".");
        }
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            String param = "metadata." + e.getKey();
            if (e.getKey().length() > METADATA_KEY) {
                throw Params.invalidValue(param, "Invalid 'metadata': keys are at most " + METADATA_KEY + " characters.");
            }
            if (!e.getValue().isTextual()) throw Params.wrongType(param, "a string", e.getValue());
            if (e.getValue().textValue().length() > METADATA_VALUE) {
                throw Params.invalidValue(param, "Invalid '" + param + "': values are at most " + METADATA_VALUE + " characters.");
            }
        }
        return Json.text(m);
    }

    /** {@code output_expires_after}: {@code {anchor: "created_at", seconds: 3600..2592000}}; default one day. */
    private static long outputExpiry(ObjectNode req) {
        ObjectNode o = Params.optionalObject(req, "output_expires_after", "output_expires_after");
        if (o == null) return DEFAULT_OUTPUT_EXPIRY_S;
        Params.rejectUnknown(o, Set.of("anchor", "seconds"));
        String anchor = Params.requiredString(o, "anchor", "output_expires_after.anchor");
        Params.oneOf(anchor, "output_expires_after.anchor", Set.of("created_at"));
        Long s = Params.optionalLong(o, "seconds", "output_expires_after.seconds", 3_600, 2_592_000);
        if (s == null) throw Params.missing("output_expires_after.seconds");
        return s;
    }

    /** {@code GET /v1/batches?after&limit}: newest first, 20 by default, at most 100. */
    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        String after = ex.query().get("after");
        int limit = limit(ex.query().get("limit"));
        ex.offload(() -> store.list(project, after, limit), page -> {
            boolean more = page.size() > limit;
            List<Batch> shown = more ? page.subList(0, limit) : page;
            ObjectNode o = Json.object();
            o.put("object", "list");
            ArrayNode data = o.putArray("data");
            shown.forEach(b -> data.add(b.json()));
            o.put("first_id", shown.isEmpty() ? null : shown.getFirst().id());
            o.put("last_id", shown.isEmpty() ? null : shown.getLast().id());
            o.put("has_more", more);
            ex.sendJson(200, o);
        });
    }

    private static int limit(String raw) {
        if (raw == null) return 20;
        try {
            int v = Integer.parseInt(raw);
            if (v >= 1 && v <= 100) return v;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw Params.invalidValue("limit", "Invalid 'limit': expected an integer between 1 and 100.");
    }

    /** {@code GET /v1/batches/{id}}. */
    public void get(Exchange ex) {
        String id = tail(ex);
        if (id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> store.find(project, id).orElseThrow(() -> notFound(id)), b -> ex.sendJson(200, b.json()));
    }

    /**
     * {@code POST /v1/batches/{id}/cancel}: a validating or running batch becomes {@code cancelling}
     * (lines in flight finish; the rest are not run), then {@code cancelled}; cancelling again
     * answers the batch as it is; a finished batch is a 409.
     */
    public void cancel(Exchange ex, Buffer unused) {
        String t = tail(ex);
        if (!t.endsWith("/cancel")) throw unknown(ex);
        String id = t.substring(0, t.length() - "/cancel".length());
        if (id.isEmpty() || id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> store.cancel(project, id, clock.millis()).orElseThrow(() -> notFound(id)), b -> {
            runner.cancelled(b.id());
            ex.sendJson(200, b.json());
        });
    }

    private static String tail(Exchange ex) {
        return ex.request().path().substring(PATH.length() + 1);
    }

    /** OpenAI's words for a batch that is not there (or is another project's). */
    static ApiException notFound(String id) {
        return new ApiError(404, "invalid_request_error", null, "id", "No such Batch object: " + id, null).exception();
    }

    private static ApiException unknown(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }
}
