package ai.zumik.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The access log's line writer: exact text for plain and escaped values, and what any JSON parser reads back. */
class JsonLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void plainAsciiIsCopiedAsIsAndEverythingElseEscaped() {
        String line = new JsonLine().begin()
                .field("id", "rsp_01abc")
                .field("quote", "say \"hi\"")
                .field("slash", "a\\b")
                .field("ctl", "a\nb\u0001")
                .field("del", "x\u007fy")
                .field("utf8", "caf\u00e9 \u65e5\u672c \ud83e\udd8a!")
                .field("none", (String) null)
                .endToString();
        assertThat(line).isEqualTo("{\"id\":\"rsp_01abc\",\"quote\":\"say \\\"hi\\\"\",\"slash\":\"a\\\\b\","
                + "\"ctl\":\"a\\u000ab\\u0001\",\"del\":\"x\u007fy\",\"utf8\":\"caf\u00e9 \u65e5\u672c \ud83e\udd8a!\"}");
    }

    @Test
    void numbersAreWrittenAsLongToStringWrites() {
        long[] values = {0, 7, 9, 10, 99, 100, 1_234_567, -1, -10, -987_654_321, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            assertThat(new JsonLine().begin().field("n", v).endToString()).isEqualTo("{\"n\":" + v + "}");
        }
        assertThat(new JsonLine().begin().field("n", (Long) null).field("b", true).endToString()).isEqualTo("{\"b\":true}");
    }

    @Test
    void randomValuesReadBackUnchanged() throws Exception {
        Random random = new Random(42);
        String alphabet = "abcXYZ019 _-/:.\"\\\n\t\u0000\u001f\u007f\u00e9\u00ff\u0100\u65e5\ud83e\udd8a";
        JsonLine line = new JsonLine(); // reused, as the writer thread does
        for (int round = 0; round < 2_000; round++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(random.nextBoolean() ? 8 : 3_000); // past the initial buffer too
            while (sb.length() < n) {
                int at = random.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) sb.append(c).append(alphabet.charAt(at + 1));
                else if (!Character.isLowSurrogate(c)) sb.append(c);
            }
            String value = sb.toString();
            long number = random.nextLong();
            JsonNode read = JSON.readTree(line.begin().field("s", value).field("n", number).endToString());
            assertThat(read.get("s").textValue()).isEqualTo(value);
            assertThat(read.get("n").longValue()).isEqualTo(number);
        }
    }
}
