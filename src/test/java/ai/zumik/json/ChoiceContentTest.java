package ai.zumik.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChoiceContentTest {
    private static String of(String json, String container) {
        return ChoiceContent.of(json.getBytes(StandardCharsets.UTF_8), container);
    }

    @Test
    void theFirstChoicesContentIsFoundPastNestedLookAlikes() {
        String completion = "{\"id\":\"x\",\"usage\":{\"prompt_tokens\":1,\"details\":{\"a\":[1,{\"content\":\"no\"}]}},"
                + "\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"no\"}]},\"message\":{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"function\":{\"content\":\"no\"}}],\"content\":\"yes \\\"quoted\\\" é\\n\"},\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"message\":{\"content\":\"second choice\"}}],\"content\":\"top level\"}";
        assertThat(of(completion, "message")).isEqualTo("yes \"quoted\" é\n");
        assertThat(of("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}", "delta")).isEqualTo("Hel");
        assertThat(of("{\"choices\":[{\"delta\":{\"content\":\"\"}}]}", "delta")).isEmpty();
    }

    @Test
    void nothingIsFoundWhereTheFirstChoiceHasNoTextContent() {
        assertThat(of("{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[]}}]}", "message")).isNull();
        assertThat(of("{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"parts\"}]}}]}", "message")).isNull();
        assertThat(of("{\"choices\":[]}", "message")).isNull();
        assertThat(of("{\"choices\":[{\"index\":0}]}", "message")).isNull();
        assertThat(of("{\"choices\":{\"message\":{\"content\":\"not an array\"}}}", "message")).isNull();
        assertThat(of("{\"choices\":[{\"delta\":{\"content\":\"a chunk's field\"}}]}", "message")).isNull();
        assertThat(of("{\"choices\":[{\"message\":{\"content\":\"a completion's field\"}}]}", "delta")).isNull();
        assertThat(of("[{\"choices\":[]}]", "delta")).isNull();
        assertThat(of("not json", "delta")).isNull();
        assertThat(of("{\"usage\":{\"prompt_tokens\":3},\"choices\":[]}", "delta")).isNull();
    }
}
