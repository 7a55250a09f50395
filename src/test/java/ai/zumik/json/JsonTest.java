package ai.zumik.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    private static JsonNode parse(String json) throws IOException {
        return Json.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "\"\"", "null", "true", "false", "0", "-12", "12345678901234567890123",
            "0.70", "1e-7", "-2.5E+10", "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}",
            "\"quote \\\" backslash \\\\ slash / nl \\n tab \\t cr \\r bs \\b ff \\f nul \\u0000 esc \\u001b del \\u007f\"",
            "\"é ü 漢字 😀 \\u2028 \\ufeff\"", "{\"k\\\"ey\\n\":\"v\",\"\":[[],{}]}"})
    void textLengthIsTheLengthOfTheWrittenText(String json) throws IOException {
        JsonNode node = parse(json);
        assertThat(Json.textLength(node)).isEqualTo(Json.text(node).length());
    }

    @Test
    void textLengthCountsBuiltNodesToo() {
        ObjectNode o = Json.object();
        o.put("int", 7).put("long", 1L << 40).put("double", 0.1).put("float", 1.5f).put("big", new BigDecimal("1.000"))
                .put("bigint", new BigInteger("-99999999999999999999")).put("bool", false).putNull("none");
        o.putArray("empty");
        o.putObject("nested").put("s", "a\u0001b");
        assertThat(Json.textLength(o)).isEqualTo(Json.text(o).length());
    }

    @Test
    void textLengthOfRealRequestsMatches() throws IOException {
        for (String name : new String[] {"/anthropic/golden-request.openai.json", "/anthropic/golden-request.anthropic.json",
                "/gemini/multiturn.gemini.json", "/bench/agent-request.openai.json"}) {
            try (InputStream in = JsonTest.class.getResourceAsStream(name)) {
                JsonNode node = Json.parse(in.readAllBytes());
                assertThat(Json.textLength(node)).as(name).isEqualTo(Json.text(node).length());
            }
        }
    }
}
