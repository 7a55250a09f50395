package ai.zumik.v1;

import ai.zumik.inference.StreamEvent;
import ai.zumik.json.TopLevel;
import java.io.IOException;

/**
 * The non-stream bodies {@code /v1} answers with, built from the upstream's bytes: only
 * {@code id} and {@code model} are rewritten, all else is copied byte for byte. The live
 * endpoints and the batch runner both render through here, so a batch line's body is exactly
 * what the live endpoint returns for the same request.
 */
public final class ResponseBodies {
    private static final String[] CHAT_REWRITTEN = {"id", "model", "usage"};
    private static final String[] MODEL = {"model"};

    private ResponseBodies() {}

    /** A {@code chat.completion}: {@code id} becomes {@code chatcmpl-<responseId>}, {@code model} the one to show. */
    public static byte[] chatCompletion(StreamEvent.Completion c, String responseId, String responseModel) {
        try {
            TopLevel doc = c.scanned() != null ? c.scanned() : TopLevel.scan(c.json(), CHAT_REWRITTEN);
            return doc.rewrite(new String[] {"id", chatCompletionId(responseId), "model", responseModel});
        } catch (IOException e) {
            throw new IllegalStateException("adapter produced a completion that is not a JSON object", e);
        }
    }

    public static String chatCompletionId(String responseId) {
        return "chatcmpl-" + responseId;
    }

    /** An embeddings {@code list}: {@code model} becomes the one to show. */
    public static byte[] embeddings(StreamEvent.Completion c, String responseModel) throws IOException {
        return TopLevel.scan(c.json(), MODEL).rewrite(new String[] {"model", responseModel});
    }
}
