package ai.zumik.inference;

import ai.zumik.json.TopLevel;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The canonical chat request. {@code body} is the client's JSON exactly as received (validated):
 * OpenAI-compatible upstreams are sent this body with only the model rewritten, so fields Zumik does
 * not interpret pass through. The typed fields are the validated view native translators and the
 * broker read.
 *
 * @param maxTokens {@code max_completion_tokens}, else {@code max_tokens}, else null
 * @param stop the stop sequences (empty when none)
 * @param raw the client's bytes exactly as received, with where the members in {@link #SET_BY_ZUMIK}
 *     stand in them, when {@code body} is their parse (a /v1 chat request); else null (a body Zumik
 *     built). OpenAI-compatible upstreams are sent these bytes with those members set, not the tree
 *     written out again
 */
public record ChatRequest(
        ObjectNode body,
        String model,
        List<ChatMessage> messages,
        boolean stream,
        boolean includeUsage,
        Integer maxTokens,
        int n,
        Double temperature,
        Double topP,
        List<String> stop,
        List<ToolSpec> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        ResponseFormat responseFormat,
        String user,
        String reasoningEffort,
        TopLevel raw) {
    /** The members of a client's chat body Zumik may set: the attempt's model and stream options, the broker's service tier. */
    public static final String[] SET_BY_ZUMIK = {"model", "stream_options", "service_tier"};

    /** The last user message's text, or "" (what placeholder answers echo). */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) return messages.get(i).text();
        }
        return "";
    }
}
