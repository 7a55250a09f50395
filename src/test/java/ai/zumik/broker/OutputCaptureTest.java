package ai.zumik.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputCaptureTest {
    private static byte[] b(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCompletionsFirstChoiceContentIsCapturedPastEverythingBeforeIt() {
        OutputCapture c = new OutputCapture();
        c.completion(b("{\"id\":\"x\",\"usage\":{\"prompt_tokens\":1,\"details\":{\"a\":[1,{\"content\":\"no\"}]}},"
                + "\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"no\"}]},\"message\":{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"function\":{\"content\":\"no\"}}],\"content\":\"yes \\\"quoted\\\" é\\n\"},\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"message\":{\"content\":\"second choice\"}}],\"content\":\"top level\"}"));
        assertThat(c.text()).isEqualTo("yes \"quoted\" é\n");
    }

    @Test
    void chunksAppendTheirDeltasAndAResetForgetsThem() {
        OutputCapture c = new OutputCapture();
        c.chunk(b("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}"));
        c.chunk(b("{\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}"));
        assertThat(c.text()).isEqualTo("Hello");
        c.reset();
        c.chunk(b("{\"choices\":[{\"delta\":{\"content\":\"again\"}}]}"));
        assertThat(c.text()).isEqualTo("again");
    }

    @Test
    void nothingIsCapturedWhereTheFirstChoiceHasNoTextContent() {
        OutputCapture c = new OutputCapture();
        c.completion(b("{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[]}}]}"));
        c.completion(b("{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"parts\"}]}}]}"));
        c.completion(b("{\"choices\":[]}"));
        c.completion(b("{\"choices\":[{\"index\":0}]}"));
        c.completion(b("{\"choices\":{\"message\":{\"content\":\"not an array\"}}}"));
        c.completion(b("{\"choices\":[{\"delta\":{\"content\":\"a chunk's field\"}}]}"));
        c.chunk(b("{\"choices\":[{\"message\":{\"content\":\"a completion's field\"}}]}"));
        c.chunk(b("[{\"choices\":[]}]"));
        c.chunk(b("not json"));
        c.chunk(b("{\"usage\":{\"prompt_tokens\":3},\"choices\":[]}"));
        assertThat(c.text()).isEmpty();
    }
}
