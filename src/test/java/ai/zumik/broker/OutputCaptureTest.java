package ai.zumik.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputCaptureTest {
    private static byte[] b(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCompletionsTextIsCapturedAndChunksWithoutTextAddNothing() {
        OutputCapture c = new OutputCapture();
        c.completion(b("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"whole answer\"}}]}"));
        c.chunk(b("{\"usage\":{\"prompt_tokens\":3},\"choices\":[]}"));
        c.completion(b("{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[]}}]}"));
        assertThat(c.text()).isEqualTo("whole answer");
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
}
