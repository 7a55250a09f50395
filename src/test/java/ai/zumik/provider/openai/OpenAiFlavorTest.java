package ai.zumik.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.ProviderId;
import org.junit.jupiter.api.Test;

class OpenAiFlavorTest {
    @Test
    void theKeyTravelsPreEncodedAndNeverInTheFlavorsText() {
        OpenAiFlavor f = OpenAiFlavor.direct(ProviderId.OPENAI, "http://127.0.0.1:1/v1", "sk-secret-123456");
        assertThat(f.authorization().toString()).isEqualTo("Bearer sk-secret-123456");
        assertThat(f.toString()).doesNotContain("sk-secret").contains("authorization set");
        assertThat(OpenAiFlavor.bifrost("http://127.0.0.1:1/v1").toString()).contains("authorization none");
    }
}
