package ai.zumik.v1.responses;

import ai.zumik.inference.ResponsesWork;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A {@code /v1/responses} body as the canonical chat request, validated exactly as the live endpoint
 * validates it, for tools that read prompts outside a request ({@code zumik proxy}, {@code zumik
 * lint}). A {@code previous_response_id} is not expanded: those turns live elsewhere.
 */
public final class ResponsesChat {
    private ResponsesChat() {}

    /** @throws ai.zumik.http.ApiException naming the client's parameter when the body is not valid */
    public static ResponsesWork of(ObjectNode body) {
        return ResponsesRequest.parse(body).work(List.of());
    }
}
