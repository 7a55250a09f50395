package ai.zumik.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link JsonText} writes exactly what Jackson's generator writes for the same calls. */
class JsonTextTest {
    /** Every character class the escaping treats apart, lone surrogates included. */
    private static final String ALPHABET = "az AZ09_-/:.\"\\\u0000\u0001\b\t\n\u000b\f\r\u000e\u001f\u007f\u0080\u00e9\u00ff"
            + "\u0100\u2028\u65e5\ud83e\udd8a\ud800\udfff";

    @Test
    void knownShapes() {
        assertThat(new JsonText().startObject().field("a", "x\"y\\z\n\u0001").field("b", (Long) null).field("c", -5)
                .field("d", (Boolean) null).field("e", true).name("f").startArray().string(null).number(7).endArray()
                .endObject().text())
                .isEqualTo("{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"b\":null,\"c\":-5,\"d\":null,\"e\":true,\"f\":[null,7]}");
        assertThat(new JsonText().startArray().endArray().text()).isEqualTo("[]");
        assertThat(new JsonText().startArray().startObject().endObject().startObject().endObject().endArray().text())
                .isEqualTo("[{},{}]");
    }

    @Test
    void randomDocumentsMatchJacksonCharacterForCharacter() throws IOException {
        for (int seed = 0; seed < 3_000; seed++) {
            JsonText mine = new JsonText();
            Random a = new Random(seed);
            value(a, mine, null, 0);
            Random b = new Random(seed);
            String jackson = Json.text(g -> value(b, null, g, 0));
            assertThat(mine.text()).as("seed %d", seed).isEqualTo(jackson);
        }
    }

    /** Writes one random value to whichever writer is given, drawing the same choices from {@code r}. */
    private static void value(Random r, JsonText j, JsonGenerator g, int depth) throws IOException {
        switch (r.nextInt(depth < 3 ? 8 : 6)) {
            case 0 -> {
                String s = string(r);
                if (j != null) j.string(s);
                else g.writeString(s);
            }
            case 1 -> {
                long v = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(2000) - 1000;
                if (j != null) j.number(v);
                else g.writeNumber(v);
            }
            case 2 -> {
                boolean v = r.nextBoolean();
                if (j != null) j.bool(v);
                else g.writeBoolean(v);
            }
            case 3 -> {
                if (j != null) j.nullValue();
                else g.writeNull();
            }
            case 4 -> {
                if (j != null) j.string(null);
                else g.writeString((String) null);
            }
            case 5 -> {
                Long v = r.nextBoolean() ? null : r.nextLong();
                if (j != null) j.number(v);
                else if (v == null) g.writeNull();
                else g.writeNumber(v.longValue());
            }
            case 6 -> {
                int n = r.nextInt(5);
                if (j != null) j.startObject();
                else g.writeStartObject();
                for (int i = 0; i < n; i++) {
                    String name = string(r);
                    if (j != null) j.name(name);
                    else g.writeFieldName(name);
                    value(r, j, g, depth + 1);
                }
                if (j != null) j.endObject();
                else g.writeEndObject();
            }
            default -> {
                int n = r.nextInt(5);
                if (j != null) j.startArray();
                else g.writeStartArray();
                for (int i = 0; i < n; i++) value(r, j, g, depth + 1);
                if (j != null) j.endArray();
                else g.writeEndArray();
            }
        }
    }

    private static String string(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(r.nextBoolean() ? 4 : 40);
        for (int i = 0; i < n; i++) sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        return sb.toString();
    }
}
