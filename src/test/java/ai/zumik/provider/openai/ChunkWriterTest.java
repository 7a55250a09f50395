package ai.zumik.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast chunk writer gives exactly the bytes of the tree-built chunk, escaping included. */
class ChunkWriterTest {
    private static final long CREATED = 1_795_000_000L;

    private static byte[] viaTree(String id, String model, int index, ObjectNode delta) {
        return Json.bytes(OpenAiShapes.chunk(id, CREATED, model, index, delta, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Hello", " the remainder to the first instalment", "quote \" backslash \\ slash /",
            "controls \n \t \r \b \f \u0000 \u001b \u007f", "é ü 漢字 😀 \u2028 \ufeff", "lone \ud83d surrogate", "{\"path\": \"src/main/ja"})
    void contentAndArgumentsChunksAreByteForByteTheTreeBuiltOnes(String text) {
        ChunkWriter w = new ChunkWriter(CREATED, "claude-sonnet-4-5");
        ObjectNode content = Json.object().put("content", text);
        assertThat(new String(w.content("msg_01X\"y", 0, text), StandardCharsets.UTF_8))
                .isEqualTo(new String(viaTree("msg_01X\"y", "claude-sonnet-4-5", 0, content), StandardCharsets.UTF_8));
        assertThat(w.content("chatcmpl-2", 3, text)).isEqualTo(viaTree("chatcmpl-2", "claude-sonnet-4-5", 3, content));

        ObjectNode args = Json.object();
        ObjectNode call = args.putArray("tool_calls").addObject();
        call.put("index", 12);
        call.putObject("function").put("arguments", text);
        assertThat(w.arguments("chatcmpl-2", 1, 12, text)).isEqualTo(viaTree("chatcmpl-2", "claude-sonnet-4-5", 1, args));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemini-2.5-flash", "accounts/fireworks/models/x\u00e9"})
    void aMissingIdIsWrittenAsNull(String model) {
        ChunkWriter w = new ChunkWriter(CREATED, model);
        assertThat(w.content(null, 0, "x")).isEqualTo(viaTree(null, model, 0, Json.object().put("content", "x")));
    }
}
