package ai.zumik.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TopLevelTest {
    private static final String[] FIELDS = {"id", "model", "usage", "choices"};

    private static String rewrite(String json, String[] replace, String... remove) throws IOException {
        return new String(TopLevel.scan(json.getBytes(StandardCharsets.UTF_8), FIELDS, "usage").rewrite(replace, remove),
                StandardCharsets.UTF_8);
    }

    @Test
    void replacesStringValuesAndCopiesEverythingElseByteForByte() throws IOException {
        String in = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\",\"created\":17,\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\\u00e9\"}}],\"x\":{\"n\":2.50,\"e\":1e3},\"usage\":null}";
        String out = rewrite(in, new String[] {"id", "chatcmpl-rsp_1", "model", "openai/gpt-4o"});
        assertThat(out).isEqualTo(in.replace("chatcmpl-up", "chatcmpl-rsp_1").replace("\"gpt-4o\"", "\"openai/gpt-4o\""));
    }

    @Test
    void removesAMemberWhereverItStands() throws IOException {
        assertThat(rewrite("{\"id\":\"a\",\"usage\":null,\"model\":\"m\"}", new String[0], "usage"))
                .isEqualTo("{\"id\":\"a\",\"model\":\"m\"}");
        assertThat(rewrite("{\"id\":\"a\",\"model\":\"m\",\"usage\":{\"prompt_tokens\":3}}", new String[0], "usage"))
                .isEqualTo("{\"id\":\"a\",\"model\":\"m\"}");
        assertThat(rewrite("{\"usage\":123, \"id\":\"a\"}", new String[0], "usage")).isEqualTo("{ \"id\":\"a\"}");
        assertThat(rewrite("{ \"usage\" : 7 }", new String[0], "usage")).isEqualTo("{ }");
        assertThat(rewrite("{\"id\":\"a\",\"usage\":12.5,\"model\":true}", new String[] {"id", "b"}, "usage"))
                .isEqualTo("{\"id\":\"b\",\"model\":true}");
    }

    @Test
    void replacesAValueWithEncodedJsonAndLeavesTheRestAlone() throws IOException {
        String in = "{\"id\":\"a\",\"choices\":[{\"index\":0}],\"usage\":{\"prompt_tokens\":3},\"x\":1}";
        TopLevel doc = TopLevel.scan(in.getBytes(StandardCharsets.UTF_8), FIELDS, "usage");
        assertThat(new String(doc.replaceValue("usage", "null".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"a\",\"choices\":[{\"index\":0}],\"usage\":null,\"x\":1}");
        assertThat(new String(doc.replaceValue("usage", "{\"prompt_tokens\":4}".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8)).isEqualTo(in.replace("3", "4"));
        assertThat(doc.replaceValue("model", "1".getBytes(StandardCharsets.UTF_8)))
                .as("an absent member stays absent").isEqualTo(in.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void spansEndExactlyAfterNumbersLiteralsAndContainers() throws IOException {
        String in = "{\"id\":12 ,\"model\":false\n,\"usage\":[1,[2]] ,\"choices\":[]}";
        TopLevel t = TopLevel.scan(in.getBytes(StandardCharsets.UTF_8), FIELDS);
        assertThat(t.isEmptyArray("choices")).isTrue();
        assertThat(new String(t.rewrite(new String[] {"id", "x", "model", "y"}), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"x\" ,\"model\":\"y\"\n,\"usage\":[1,[2]] ,\"choices\":[]}");
    }

    @Test
    void readsRequestedSubtreesAndNullness() throws IOException {
        TopLevel t = TopLevel.scan("{\"usage\":{\"prompt_tokens\":5},\"choices\":[{}],\"model\":null}"
                .getBytes(StandardCharsets.UTF_8), FIELDS, "usage");
        assertThat(t.tree("usage").get("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(t.isNull("model")).isTrue();
        assertThat(t.isNull("id")).as("absent counts as null").isTrue();
        assertThat(t.has("id")).isFalse();
        assertThat(t.isEmptyArray("choices")).isFalse();
    }

    @Test
    void rejectsAnythingButOneObject() {
        assertThatThrownBy(() -> TopLevel.scan("[1]".getBytes(), FIELDS)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> TopLevel.scan("{\"a\":1} {}".getBytes(), FIELDS)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> TopLevel.scan("{\"a\":".getBytes(), FIELDS)).isInstanceOf(IOException.class);
    }
}
