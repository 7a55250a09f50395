package ai.zumik.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ToolCallIdsTest {

    @Test
    void aSignatureSurvivesTheRoundTripByteForByteInSafeCharacters() {
        byte[] raw = new byte[300];
        for (int i = 0; i < raw.length; i++) raw[i] = (byte) (i * 7 + 3); // includes bytes base64 renders as + / and _ -
        String signature = Base64.getEncoder().encodeToString(raw);
        String id = ToolCallIds.mint(signature);
        assertThat(id).startsWith("call_").matches("[A-Za-z0-9_-]+");
        assertThat(ToolCallIds.signature(id)).isEqualTo(signature);
    }

    @Test
    void callsWithoutSignatureGetAPlainIdAndForeignIdsCarryNone() {
        String id = ToolCallIds.mint(null);
        assertThat(id).matches("call_[0-9a-z]{26}");
        assertThat(ToolCallIds.signature(id)).isNull();
        assertThat(ToolCallIds.signature("call_abc__ts__AAAA")).as("head is not ours").isNull();
        assertThat(ToolCallIds.signature("toolu_01A09q90qw90lq917835lq9")).isNull();
        assertThat(ToolCallIds.mint("AAAA")).isNotEqualTo(ToolCallIds.mint("AAAA"));
    }

    @Test
    void aUrlSafeSignatureFromGeminiIsAcceptedAndReturnedAsTheSameBytes() {
        String id = ToolCallIds.mint("-_-_");
        assertThat(Base64.getDecoder().decode(ToolCallIds.signature(id))).isEqualTo(Base64.getUrlDecoder().decode("-_-_"));
    }
}
