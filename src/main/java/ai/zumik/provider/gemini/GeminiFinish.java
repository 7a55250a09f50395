package ai.zumik.provider.gemini;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import java.util.Optional;

/**
 * Gemini's {@code finishReason} in OpenAI's terms.
 *
 * <pre>
 * STOP                                              stop, or tool_calls when the candidate called functions
 * MAX_TOKENS                                        length
 * SAFETY RECITATION BLOCKLIST PROHIBITED_CONTENT    content_filter
 * SPII LANGUAGE IMAGE_SAFETY IMAGE_PROHIBITED_CONTENT
 * IMAGE_RECITATION MODEL_ARMOR
 * MALFORMED_FUNCTION_CALL UNEXPECTED_TOOL_CALL      no OpenAI finish reason says "the model's output was
 * TOO_MANY_TOOL_CALLS MISSING_THOUGHT_SIGNATURE     unusable": the attempt fails (502 provider_error,
 * OTHER FINISH_REASON_UNSPECIFIED anything else     retryable) rather than pass off a broken answer as "stop"
 * </pre>
 *
 * A prompt Gemini blocks outright ({@code promptFeedback.blockReason}, no candidates) is a 400
 * {@code content_policy_violation}, as OpenAI-style providers answer a refused prompt: nothing was
 * generated, so there is no choice to carry a finish reason.
 */
final class GeminiFinish {
    private GeminiFinish() {}

    /** The OpenAI finish reason, or empty when {@code reason} ends the attempt as a failure. */
    static Optional<String> openAi(String reason, boolean calledFunctions) {
        return Optional.ofNullable(switch (reason) {
            case "STOP" -> calledFunctions ? "tool_calls" : "stop";
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR" -> "content_filter";
            default -> null;
        });
    }

    static UpstreamFailure unusable(String reason) {
        return new UpstreamFailure(FailureClass.MALFORMED_RESPONSE, 0,
                "Gemini ended the answer without a usable result (finishReason " + reason + ").", null, null, null);
    }

    static UpstreamFailure promptBlocked(String blockReason) {
        return new UpstreamFailure(FailureClass.CONTENT_REFUSAL, 0,
                "Gemini refused the prompt (blockReason " + blockReason + ").", "messages", null, null);
    }
}
