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
    void removesSeveralMembersInARowAndLeavesValidJson() throws IOException {
        assertThat(rewrite("{\"usage\":1, \"id\":\"a\", \"model\":\"m\"}", new String[0], "usage", "id"))
                .as("the first two").isEqualTo("{ \"model\":\"m\"}");
        assertThat(rewrite("{\"usage\":1,\"id\":\"a\"}", new String[0], "id", "usage")).as("all").isEqualTo("{}");
        assertThat(rewrite("{\"x\":0,\"usage\":1,\"id\":\"a\",\"model\":\"m\"}", new String[0], "usage", "id"))
                .as("two after a kept one").isEqualTo("{\"x\":0,\"model\":\"m\"}");
        assertThat(rewrite("{\"usage\":1,\"id\":\"a\",\"model\":\"m\"}", new String[] {"model", "n"}, "usage", "id"))
                .as("and one replaced after them").isEqualTo("{\"model\":\"n\"}");
        String in = "{\"usage\":1,\"choices\":[],\"id\":\"a\",\"model\":\"m\"}";
        for (String[] remove : new String[][] {{"usage", "choices"}, {"usage", "choices", "id"}, {"choices", "model"},
                {"id", "model"}, {"usage", "choices", "id", "model"}}) {
            var left = Json.parse(rewrite(in, new String[0], remove).getBytes(StandardCharsets.UTF_8));
            assertThat(left.size()).as(String.join(",", remove)).isEqualTo(4 - remove.length);
            for (String r : remove) assertThat(left.has(r)).isFalse();
        }
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

    private static String set(String json, String[] names, String... values) throws IOException {
        byte[][] v = new byte[values.length][];
        for (int i = 0; i < values.length; i++) v[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        return new String(TopLevel.scan(json.getBytes(StandardCharsets.UTF_8), names).set(v), StandardCharsets.UTF_8);
    }

    @Test
    void setsMembersInPlaceAddsTheAbsentOnesLastAndCopiesEverythingElse() throws IOException {
        String[] names = {"model", "stream_options", "service_tier"};
        String in = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"h\\u00e9 \\\"x\\\"\"}],\n\"model\":\"fast\", \"n\":1.0E2 }\n";
        assertThat(set(in, names, "\"gpt-4o\"", null, null)).as("only the model changes")
                .isEqualTo(in.replace("\"fast\"", "\"gpt-4o\""));
        assertThat(set(in, names, "\"gpt-4o\"", "{\"include_usage\":true}", "\"flex\""))
                .as("absent members go before the closing brace, in the order scanned")
                .isEqualTo(in.replace("\"fast\"", "\"gpt-4o\"").replace("1.0E2 }",
                        "1.0E2 ,\"stream_options\":{\"include_usage\":true},\"service_tier\":\"flex\"}"));
        assertThat(set("{\"stream_options\":{\"x\":1},\"model\":\"a\"}", names, "\"b\"", "{\"x\":1,\"include_usage\":true}", null))
                .isEqualTo("{\"stream_options\":{\"x\":1,\"include_usage\":true},\"model\":\"b\"}");
        assertThat(set("{}", names, null, null, "\"flex\"")).as("no comma in an empty object").isEqualTo("{\"service_tier\":\"flex\"}");
        assertThat(set(" { } ", names, "\"m\"", null, "\"flex\"")).isEqualTo(" { \"model\":\"m\",\"service_tier\":\"flex\"} ");
        assertThat(set(in, names, null, null, null)).as("nothing set, nothing changed").isEqualTo(in);
        assertThatThrownBy(() -> set(in, names, "\"m\"")).isInstanceOf(IllegalArgumentException.class);
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

    private static final String[] VALID = {
        "{}",
        " { \"id\" : \"a\" } ",
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1733000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"He said \\\"hi\\\" \\u00e9\\n\\t\\\\ \\/ ok\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":-0.5e+3,"
                + "\"total_tokens\":1E2,\"x\":[true,false,null,[],{},0,-0,10.25]},\"system_fingerprint\":\"fp\"}",
        "{\"m\\u006fdel\":\"escaped name\",\"id\":[[[[1]]]],\"usage\":null}",
        "{\"usage\":{\"a\":2147483647,\"b\":2147483648,\"c\":-2147483648,\"d\":-2147483649,\"e\":999999999999999999,"
                + "\"f\":9223372036854775807,\"g\":9223372036854775808,\"h\":-9223372036854775809,\"i\":-0,\"j\":0.70,"
                + "\"k\":-0.0,\"l\":1e-7,\"m\":\"x\\u00e9\\\"\",\"n\":[\"\",{}],\"o\":{\"p\":[[],[true]]}},\"id\":\"\"}",
        "{\"usage\":\"é漢字🙂\",\"choices\":{\"a\":{\"b\":[1,2,{\"c\":\"}]\"}]}},\"z\":0}",
    };

    @Test
    void spansHoldExactlyTheValuesAParserSees() throws IOException {
        for (String doc : VALID) {
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            var expected = Json.MAPPER.readTree(bytes);
            TopLevel t = TopLevel.scan(bytes, FIELDS, FIELDS);
            for (String name : FIELDS) {
                assertThat(t.has(name)).as(doc + " has " + name).isEqualTo(expected.has(name));
                if (!expected.has(name)) continue;
                assertThat(t.tree(name)).as(doc + " " + name).isEqualTo(expected.get(name));
                // Replacing the value with itself re-parses to the same document.
                byte[] same = t.replaceValue(name, Json.MAPPER.writeValueAsBytes(expected.get(name)));
                assertThat(Json.MAPPER.readTree(same)).isEqualTo(expected);
            }
        }
    }

    @Test
    void aParseNotesTheSpansAScanFindsAndBuildsTheParsersTree() throws IOException {
        String[] more = {
            "{\"id\":12 ,\"model\":false\n,\"usage\":[1,[2]] ,\"choices\":-1.5e3}",
            "{ \"choices\" : null , \"model\" : true\t}\n",
            "{\"x\":{\"id\":1},\"usage\":\"a\\\"b\",\"id\":0}",
        };
        byte[] one = "1".getBytes(StandardCharsets.UTF_8);
        for (String doc : java.util.stream.Stream.concat(java.util.Arrays.stream(VALID), java.util.Arrays.stream(more)).toList()) {
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            TopLevel.Parsed parsed = TopLevel.parse(bytes, FIELDS);
            TopLevel scanned = TopLevel.scan(bytes, FIELDS);
            assertThat(parsed.tree()).as(doc).isEqualTo(Json.MAPPER.readTree(bytes));
            for (String name : FIELDS) {
                assertThat(parsed.spans().has(name)).as(doc + " has " + name).isEqualTo(scanned.has(name));
                assertThat(parsed.spans().replaceValue(name, one)).as(doc + " " + name).isEqualTo(scanned.replaceValue(name, one));
                assertThat(parsed.spans().rewrite(new String[0], name)).as(doc + " without " + name)
                        .isEqualTo(scanned.rewrite(new String[0], name));
            }
            assertThat(parsed.spans().set(one, one, one, one)).as(doc).isEqualTo(scanned.set(one, one, one, one));
        }
        assertThat(TopLevel.parse("[1]".getBytes(StandardCharsets.UTF_8), FIELDS)).as("not an object").isNull();
        assertThat(TopLevel.parse("{} {}".getBytes(StandardCharsets.UTF_8), FIELDS)).as("more than one value").isNull();
        assertThatThrownBy(() -> TopLevel.parse("{\"id\":1,\"id\":2}".getBytes(StandardCharsets.UTF_8), FIELDS))
                .isInstanceOf(IOException.class);
        byte[] bom = "\uFEFF{\"id\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(TopLevel.parse(bom, FIELDS).spans()).as("a byte-order mark: no spans").isNull();
    }

    /**
     * One-byte changes of valid answers (ASCII only: a multi-byte character's bytes are relayed
     * unchecked): the scan accepts exactly what Jackson's strict parser accepts as one object.
     */
    @Test
    void acceptsExactlyWhatAStrictParserAccepts() {
        var random = new java.util.Random(20261207);
        String alphabet = "{}[]\",:\\/ \n\t\r0123456789-+.eEtrufalsnbx\u0001";
        int compared = 0;
        for (String doc : VALID) {
            byte[] base = doc.getBytes(StandardCharsets.UTF_8);
            for (int n = 0; n < 3000; n++) {
                int at = random.nextInt(base.length);
                if (base[at] < 0) continue; // never split a multi-byte character
                byte c = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
                byte[] mutated = switch (random.nextInt(3)) {
                    case 0 -> { byte[] m = base.clone(); m[at] = c; yield m; }
                    case 1 -> { byte[] m = new byte[base.length - 1]; System.arraycopy(base, 0, m, 0, at);
                        System.arraycopy(base, at + 1, m, at, base.length - at - 1); yield m; }
                    default -> { byte[] m = new byte[base.length + 1]; System.arraycopy(base, 0, m, 0, at); m[at] = c;
                        System.arraycopy(base, at, m, at + 1, base.length - at); yield m; }
                };
                boolean jackson;
                try {
                    jackson = Json.MAPPER.readTree(mutated).isObject();
                } catch (IOException e) {
                    if (e.getMessage().contains("Duplicate field")) continue; // below the top level: relayed as is
                    jackson = false;
                } catch (NumberFormatException e) {
                    continue; // a number the grammar allows but Jackson's reader will not hold: relayed as written
                }
                boolean scanned;
                try {
                    TopLevel.scan(mutated, FIELDS);
                    scanned = true;
                } catch (IOException e) {
                    scanned = false;
                }
                assertThat(scanned).as(new String(mutated, StandardCharsets.UTF_8)).isEqualTo(jackson);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10_000);
    }

    @Test
    void rejectsBrokenGrammarAndARepeatedTopLevelName() {
        for (String bad : new String[] {"", "{", "{\"id\"}", "{\"id\":}", "{\"id\":01}", "{\"id\":1.}", "{\"id\":-}",
                "{\"id\":\"a\",}", "{\"id\":tru}", "{\"id\":\"\\x\"}", "{\"id\":\"\\u12g4\"}", "{\"id\":\"a\u0001\"}",
                "{\"id\":[1,]}", "{\"id\":{\"a\"1}}", "{\"id\":\"a\",\"id\":\"b\"}", "{'id':1}",
                "{\"id\":" + "[".repeat(600) + "]".repeat(600) + "}"}) {
            assertThatThrownBy(() -> TopLevel.scan(bad.getBytes(StandardCharsets.UTF_8), FIELDS)).as(bad).isInstanceOf(IOException.class);
        }
        // A tree asked for must hold its numbers and have no repeated names, at any depth.
        for (String bad : new String[] {"{\"usage\":{\"a\":9E999999999999999999}}", "{\"usage\":{\"a\":{\"b\":1,\"b\":2}}}"}) {
            assertThatThrownBy(() -> TopLevel.scan(bad.getBytes(StandardCharsets.UTF_8), FIELDS, "usage")).as(bad)
                    .isInstanceOf(IOException.class);
        }
    }
}
