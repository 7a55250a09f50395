package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.UnaryOperator;

/**
 * An OpenAI Responses API request, ready for the broker in both of its forms: the native body a
 * target that speaks the Responses API receives (conversation already expanded, Zumik's own fields
 * removed), and the canonical chat request every other target receives.
 *
 * @param chat the same request as a chat request; what it could not carry is in {@code untranslatable}
 * @param untranslatable why only a native target can serve the request (a hosted tool, a file id...), or null
 * @param surfaceParam names a chat parameter (say {@code messages[3].content[0]}) the way the client wrote
 *     it ({@code input[1].content[0]}), so a capability refusal points at the client's own field
 */
public record ResponsesWork(ObjectNode nativeBody, ChatRequest chat, RequestRejected untranslatable,
                            UnaryOperator<String> surfaceParam) {}
