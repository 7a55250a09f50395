package ai.zumik.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.provider.ProviderId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZumikConfigTest {
    @Test
    void defaultsServeOnLoopback8080WithDataUnderDotData() {
        ZumikConfig c = ZumikConfig.from(Map.of(), Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.dataDir().toString()).endsWith("/data");
        assertThat(c.provider(ProviderId.OPENAI).configured()).isFalse();
        assertThat(c.provider(ProviderId.OPENAI).baseUrl()).isEqualTo("https://api.openai.com/v1");
    }

    @Test
    void flagsWinOverEnvironmentAndBadValuesNameTheirSource() {
        ZumikConfig c = ZumikConfig.from(Map.of("ZUMIK_PORT", "9000", "OPENAI_API_KEY", "sk-x"), Map.of("port", "9100"));
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.provider(ProviderId.OPENAI).configured()).isTrue();
        assertThatThrownBy(() -> ZumikConfig.from(Map.of("ZUMIK_PORT", "eighty"), Map.of()))
                .hasMessageContaining("ZUMIK_PORT");
        assertThatThrownBy(() -> ZumikConfig.from(Map.of(), Map.of("port", "70000"))).hasMessageContaining("--port");
    }

    @Test
    void secretsNeverAppearInToString() {
        ZumikConfig c = ZumikConfig.from(Map.of("OPENAI_API_KEY", "sk-supersecret", "ZUMIK_BOOTSTRAP_KEY",
                "zk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), Map.of());
        assertThat(c.toString()).doesNotContain("sk-supersecret").doesNotContain("zk_live_");
        assertThat(c.provider(ProviderId.OPENAI).toString()).doesNotContain("sk-supersecret");
    }
}
