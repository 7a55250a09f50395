package ai.zumik.v1.responses;

import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.inference.ResponsesWork;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * A {@code /v1/responses} line of a batch: read by the live endpoint's own parser, sent through the
 * broker as the live endpoint sends it, rendered as the live endpoint renders a non-stream answer.
 * A batch line is one self-contained request: it is not stored, and it can neither continue a
 * stored conversation ({@code previous_response_id}) nor run in the background.
 */
public final class ResponsesBatchLine {
    private final ResponsesRequest request;
    private final ResponsesWork work;

    private ResponsesBatchLine(ResponsesRequest request, ResponsesWork work) {
        this.request = request;
        this.work = work;
    }

    /** @throws ai.zumik.http.ApiException the live endpoint's 400 for a body it would refuse */
    public static ResponsesBatchLine parse(ObjectNode body) {
        for (String field : List.of("previous_response_id", "background")) {
            if (body.hasNonNull(field) && !(field.equals("background") && !body.get(field).asBoolean())) {
                throw ApiError.invalid(field, "unsupported_parameter", "'" + field + "' is not supported in a batch line: each "
                        + "line is a self-contained request.").exception();
            }
        }
        if (body.path("store").asBoolean(false)) {
            throw ApiError.invalid("store", "unsupported_parameter", "'store' is not supported in a batch line: the answers are in "
                    + "the batch's output file.").exception();
        }
        ObjectNode copy = body.deepCopy();
        copy.put("store", false);
        ResponsesRequest request = ResponsesRequest.parse(copy);
        return new ResponsesBatchLine(request, request.work(List.of()));
    }

    public String model() {
        return request.model;
    }

    public boolean stream() {
        return request.stream;
    }

    public ResponsesWork work() {
        return work;
    }

    /** The Response object the live endpoint answers with, for the line's completed answer. */
    public byte[] render(StreamEvent.Completion c, Served served, String responseId) throws IOException {
        String id = ResponsesApiHandler.clientId(responseId);
        request.assignIds(id.substring("resp_".length()));
        ResponseBuilder builder = new ResponseBuilder(request, id, System.currentTimeMillis() / 1000);
        JsonNode doc = Json.parse(c.json());
        ObjectNode response = served.responsesNative() ? builder.adopt((ObjectNode) doc, served.responseModel())
                : builder.fromCompletion(doc, served.responseModel(), c.usage());
        return Json.bytes(response);
    }
}
