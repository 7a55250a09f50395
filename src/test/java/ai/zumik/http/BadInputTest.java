package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.RawKeys;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets a precise OpenAI-shaped 4xx (status, {@code error.type},
 * {@code error.code}, {@code error.param} naming the field), never a 5xx and never a hang. No
 * provider is configured, so every valid request would be answered in placeholder mode: a
 * rejection here is the validation's doing, not an upstream's.
 */
@Timeout(60)
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/v1/chat/completions";
    private static final String EMB = "/v1/embeddings";
    private static final String INVALID = "invalid_request_error";
    private static final int MIB = 1024 * 1024;

    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    // ------------------------------------------------------------------------------------------
    // Body cases: one row per kind of bad body.

    /** One bad body and the exact error it must get. {@code param} null means JSON null. */
    record Case(String name, String path, byte[] body, int status, String code, String param) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** JSON written with single quotes for readability. */
    private static byte[] j(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A chat body with valid model and one user message plus {@code extra} top-level fields. */
    private static byte[] chat(String extra) {
        return j("{'model':'gpt-4o-mini','messages':[{'role':'user','content':'hi'}]" + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    /** A chat body with a valid model and the given messages array. */
    private static byte[] msgs(String messagesArray) {
        return j("{'model':'gpt-4o-mini','messages':" + messagesArray + "}");
    }

    private static byte[] emb(String fields) {
        return j("{'model':'text-embedding-3-small'" + (fields.isEmpty() ? "" : "," + fields) + "}");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static Stream<Case> bodyCases() {
        List<Case> c = new ArrayList<>();
        // Not JSON, not an object, not UTF-8: the body as a whole is wrong, so no param.
        for (String path : List.of(CHAT, EMB)) {
            String s = path.equals(CHAT) ? "chat" : "embeddings";
            c.add(new Case(s + ": malformed JSON", path, raw("{\"model\": "), 400, "invalid_json", null));
            c.add(new Case(s + ": unquoted key", path, raw("{model: 1}"), 400, "invalid_json", null));
            c.add(new Case(s + ": trailing garbage", path, raw("{\"model\":\"x\"} x"), 400, "invalid_json", null));
            c.add(new Case(s + ": body is an array", path, raw("[1,2]"), 400, "invalid_type", null));
            c.add(new Case(s + ": body is a string", path, raw("\"hello\""), 400, "invalid_type", null));
            c.add(new Case(s + ": body is null", path, raw("null"), 400, "invalid_type", null));
            c.add(new Case(s + ": empty body", path, new byte[0], 400, "invalid_json", null));
            c.add(new Case(s + ": whitespace-only body", path, raw("  \n "), 400, "invalid_json", null));
            c.add(new Case(s + ": duplicate keys", path,
                    j("{'model':'gpt-4o-mini','model':'gpt-4o','messages':[],'input':'x'}"), 400, "invalid_json", null));
            c.add(new Case(s + ": nesting 5000 deep", path,
                    raw("{\"model\":\"x\",\"metadata\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
                    400, "invalid_json", null));
        }
        // 0xC3 0x28: a two-byte UTF-8 lead byte followed by a non-continuation byte.
        c.add(new Case("chat: invalid UTF-8 inside a string", CHAT, concat(
                j("{'model':'gpt-4o-mini','messages':[{'role':'user','content':'a"),
                new byte[] {(byte) 0xC3, (byte) 0x28}, j("b'}]}")), 400, "invalid_json", null));
        c.add(new Case("embeddings: invalid UTF-8 inside a string", EMB, concat(
                j("{'model':'text-embedding-3-small','input':'a"), new byte[] {(byte) 0xC3, (byte) 0x28}, j("'}")),
                400, "invalid_json", null));
        c.add(new Case("chat: lone continuation byte", CHAT, concat(
                j("{'model':'gpt-4o-mini','messages':[{'role':'user','content':'"), new byte[] {(byte) 0x80}, j("'}]}")),
                400, "invalid_json", null));

        // model
        c.add(new Case("chat: missing model", CHAT, j("{'messages':[{'role':'user','content':'hi'}]}"),
                400, "missing_required_parameter", "model"));
        c.add(new Case("chat: model null", CHAT, j("{'model':null,'messages':[{'role':'user','content':'hi'}]}"),
                400, "missing_required_parameter", "model"));
        c.add(new Case("chat: model is a number", CHAT, j("{'model':42,'messages':[{'role':'user','content':'hi'}]}"),
                400, "invalid_type", "model"));
        c.add(new Case("chat: model is an object", CHAT, j("{'model':{},'messages':[{'role':'user','content':'hi'}]}"),
                400, "invalid_type", "model"));
        c.add(new Case("chat: model empty", CHAT, j("{'model':'','messages':[{'role':'user','content':'hi'}]}"),
                400, "empty_string", "model"));
        c.add(new Case("chat: unknown bare model", CHAT, j("{'model':'no-such-model','messages':[{'role':'user','content':'hi'}]}"),
                404, "model_not_found", "model"));
        c.add(new Case("chat: unknown provider prefix", CHAT, j("{'model':'acme/foo','messages':[{'role':'user','content':'hi'}]}"),
                404, "model_not_found", "model"));
        c.add(new Case("chat: embeddings model", CHAT,
                j("{'model':'text-embedding-3-small','messages':[{'role':'user','content':'hi'}]}"),
                400, "model_not_supported", "model"));
        c.add(new Case("embeddings: missing model", EMB, j("{'input':'hi'}"), 400, "missing_required_parameter", "model"));
        c.add(new Case("embeddings: model is a number", EMB, j("{'model':1,'input':'hi'}"), 400, "invalid_type", "model"));
        c.add(new Case("embeddings: unknown model", EMB, j("{'model':'no-such-embedder','input':'hi'}"),
                404, "model_not_found", "model"));
        c.add(new Case("embeddings: chat model", EMB, j("{'model':'gpt-4o-mini','input':'hi'}"),
                400, "model_not_supported", "model"));

        // messages
        c.add(new Case("missing messages", CHAT, j("{'model':'gpt-4o-mini'}"), 400, "missing_required_parameter", "messages"));
        c.add(new Case("empty messages", CHAT, msgs("[]"), 400, "empty_array", "messages"));
        c.add(new Case("messages is a string", CHAT, msgs("'hi'"), 400, "invalid_type", "messages"));
        c.add(new Case("messages is an object", CHAT, msgs("{'role':'user','content':'hi'}"), 400, "invalid_type", "messages"));
        c.add(new Case("message is a string", CHAT, msgs("['hi']"), 400, "invalid_type", "messages[0]"));
        c.add(new Case("second message is null", CHAT, msgs("[{'role':'user','content':'hi'},null]"),
                400, "invalid_type", "messages[1]"));
        c.add(new Case("unknown role", CHAT, msgs("[{'role':'wizard','content':'hi'}]"), 400, "invalid_value", "messages[0].role"));
        c.add(new Case("unknown role in second message", CHAT,
                msgs("[{'role':'user','content':'hi'},{'role':'robot','content':'x'}]"), 400, "invalid_value", "messages[1].role"));
        c.add(new Case("missing role", CHAT, msgs("[{'content':'hi'}]"), 400, "missing_required_parameter", "messages[0].role"));
        c.add(new Case("role is a number", CHAT, msgs("[{'role':1,'content':'hi'}]"), 400, "invalid_type", "messages[0].role"));
        c.add(new Case("user without content", CHAT, msgs("[{'role':'user'}]"), 400, "missing_required_parameter", "messages[0].content"));
        c.add(new Case("user with null content", CHAT, msgs("[{'role':'user','content':null}]"),
                400, "missing_required_parameter", "messages[0].content"));
        c.add(new Case("system without content", CHAT, msgs("[{'role':'system'},{'role':'user','content':'hi'}]"),
                400, "missing_required_parameter", "messages[0].content"));
        c.add(new Case("content is a number", CHAT, msgs("[{'role':'user','content':42}]"), 400, "invalid_type", "messages[0].content"));
        c.add(new Case("content is an object", CHAT, msgs("[{'role':'user','content':{'type':'text','text':'hi'}}]"),
                400, "invalid_type", "messages[0].content"));
        c.add(new Case("content is an empty array", CHAT, msgs("[{'role':'user','content':[]}]"),
                400, "empty_array", "messages[0].content"));
        c.add(new Case("content part is a string", CHAT, msgs("[{'role':'user','content':['hi']}]"),
                400, "invalid_type", "messages[0].content[0]"));
        c.add(new Case("content part without type", CHAT, msgs("[{'role':'user','content':[{'text':'hi'}]}]"),
                400, "missing_required_parameter", "messages[0].content[0].type"));
        c.add(new Case("text part without text", CHAT, msgs("[{'role':'user','content':[{'type':'text','text':'a'},{'type':'text'}]}]"),
                400, "missing_required_parameter", "messages[0].content[1].text"));
        c.add(new Case("text part with a number", CHAT, msgs("[{'role':'user','content':[{'type':'text','text':7}]}]"),
                400, "invalid_type", "messages[0].content[0].text"));
        c.add(new Case("image part without image_url", CHAT, msgs("[{'role':'user','content':[{'type':'image_url'}]}]"),
                400, "missing_required_parameter", "messages[0].content[0].image_url"));
        c.add(new Case("image_url is a string", CHAT, msgs("[{'role':'user','content':[{'type':'image_url','image_url':'https://x/y.png'}]}]"),
                400, "invalid_type", "messages[0].content[0].image_url"));
        c.add(new Case("image part in a system message", CHAT, msgs("[{'role':'system','content':[{'type':'image_url',"
                + "'image_url':{'url':'https://example.com/a.png'}}]},{'role':'user','content':'hi'}]"),
                400, "invalid_value", "messages[0].content[0].type"));
        c.add(new Case("refusal part in a user message", CHAT, msgs("[{'role':'user','content':[{'type':'refusal','refusal':'no'}]}]"),
                400, "invalid_value", "messages[0].content[0].type"));
        c.add(new Case("input_audio part without data", CHAT,
                msgs("[{'role':'user','content':[{'type':'input_audio','input_audio':{'format':'wav'}}]}]"),
                400, "missing_required_parameter", "messages[0].content[0].input_audio.data"));

        // image URLs
        for (String url : List.of("ftp://example.com/cat.png", "file:///etc/passwd", "data:image/png,notbase64",
                "data:text/plain;base64,aGk=", "example.com/cat.png", "javascript:alert(1)")) {
            c.add(new Case("image URL " + url, CHAT, msgs("[{'role':'user','content':[{'type':'text','text':'look'},"
                    + "{'type':'image_url','image_url':{'url':'" + url + "'}}]}]"),
                    400, "invalid_value", "messages[0].content[1].image_url.url"));
        }
        c.add(new Case("image detail unknown", CHAT, msgs("[{'role':'user','content':[{'type':'image_url',"
                + "'image_url':{'url':'https://example.com/a.png','detail':'ultra'}}]}]"),
                400, "invalid_value", "messages[0].content[0].image_url.detail"));

        // tool messages
        c.add(new Case("tool message answering no call", CHAT,
                msgs("[{'role':'user','content':'hi'},{'role':'tool','tool_call_id':'call_x','content':'42'}]"),
                400, "invalid_value", "messages[1].tool_call_id"));
        c.add(new Case("tool message answering another id", CHAT, msgs("[{'role':'user','content':'hi'},"
                + "{'role':'assistant','tool_calls':[{'id':'call_1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'call_2','content':'42'}]"),
                400, "invalid_value", "messages[2].tool_call_id"));
        c.add(new Case("tool message without tool_call_id", CHAT,
                msgs("[{'role':'user','content':'hi'},{'role':'tool','content':'42'}]"),
                400, "missing_required_parameter", "messages[1].tool_call_id"));
        c.add(new Case("assistant tool call without function", CHAT, msgs("[{'role':'user','content':'hi'},"
                + "{'role':'assistant','tool_calls':[{'id':'call_1','type':'function'}]}]"),
                400, "missing_required_parameter", "messages[1].tool_calls[0].function"));
        c.add(new Case("assistant tool call arguments as object", CHAT, msgs("[{'role':'user','content':'hi'},"
                + "{'role':'assistant','tool_calls':[{'id':'call_1','type':'function','function':{'name':'f','arguments':{}}}]}]"),
                400, "invalid_type", "messages[1].tool_calls[0].function.arguments"));

        // sampling and limits
        c.add(new Case("max_tokens negative", CHAT, chat("'max_tokens':-1"), 400, "integer_below_min_value", "max_tokens"));
        c.add(new Case("max_tokens zero", CHAT, chat("'max_tokens':0"), 400, "integer_below_min_value", "max_tokens"));
        c.add(new Case("max_tokens string", CHAT, chat("'max_tokens':'100'"), 400, "invalid_type", "max_tokens"));
        c.add(new Case("max_tokens fractional", CHAT, chat("'max_tokens':1.5"), 400, "invalid_type", "max_tokens"));
        c.add(new Case("max_tokens above int range", CHAT, chat("'max_tokens':3000000000"), 400, "integer_above_max_value", "max_tokens"));
        c.add(new Case("max_tokens 1e400", CHAT, chat("'max_tokens':1e400"), 400, "integer_above_max_value", "max_tokens"));
        c.add(new Case("max_tokens beyond long range", CHAT, chat("'max_tokens':99999999999999999999999"),
                400, "integer_above_max_value", "max_tokens"));
        c.add(new Case("max_tokens far below long range", CHAT, chat("'max_tokens':-99999999999999999999999"),
                400, "integer_below_min_value", "max_tokens"));
        c.add(new Case("seed 1e400", CHAT, chat("'seed':1e400"), 400, "integer_above_max_value", "seed"));
        c.add(new Case("seed -1e400", CHAT, chat("'seed':-1e400"), 400, "integer_below_min_value", "seed"));
        c.add(new Case("max_completion_tokens zero", CHAT, chat("'max_completion_tokens':0"),
                400, "integer_below_min_value", "max_completion_tokens"));
        c.add(new Case("temperature 3", CHAT, chat("'temperature':3"), 400, "decimal_above_max_value", "temperature"));
        c.add(new Case("temperature negative", CHAT, chat("'temperature':-0.1"), 400, "decimal_below_min_value", "temperature"));
        c.add(new Case("temperature string", CHAT, chat("'temperature':'hot'"), 400, "invalid_type", "temperature"));
        c.add(new Case("top_p 1.5", CHAT, chat("'top_p':1.5"), 400, "decimal_above_max_value", "top_p"));
        c.add(new Case("n zero", CHAT, chat("'n':0"), 400, "integer_below_min_value", "n"));
        c.add(new Case("n 129", CHAT, chat("'n':129"), 400, "integer_above_max_value", "n"));
        c.add(new Case("stream is a string", CHAT, chat("'stream':'yes'"), 400, "invalid_type", "stream"));
        c.add(new Case("stop with 5 items", CHAT, chat("'stop':['a','b','c','d','e']"), 400, "array_above_max_length", "stop"));
        c.add(new Case("stop item not a string", CHAT, chat("'stop':['a',1]"), 400, "invalid_type", "stop[1]"));
        c.add(new Case("stop is a number", CHAT, chat("'stop':1"), 400, "invalid_type", "stop"));
        c.add(new Case("stream_options without stream", CHAT, chat("'stream_options':{'include_usage':true}"),
                400, "invalid_value", "stream_options"));
        c.add(new Case("stream_options with stream false", CHAT, chat("'stream':false,'stream_options':{'include_usage':true}"),
                400, "invalid_value", "stream_options"));
        c.add(new Case("stream_options.include_usage string", CHAT, chat("'stream':true,'stream_options':{'include_usage':'yes'}"),
                400, "invalid_type", "stream_options.include_usage"));
        c.add(new Case("metadata is an array", CHAT, chat("'metadata':[]"), 400, "invalid_type", "metadata"));

        // tools
        String tools = "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}]";
        c.add(new Case("tool_choice names an unknown function", CHAT,
                chat(tools + ",'tool_choice':{'type':'function','function':{'name':'launch'}}"),
                400, "invalid_value", "tool_choice.function.name"));
        c.add(new Case("tool_choice without tools", CHAT, chat("'tool_choice':'auto'"), 400, "invalid_value", "tool_choice"));
        c.add(new Case("named tool_choice without tools", CHAT,
                chat("'tool_choice':{'type':'function','function':{'name':'get_weather'}}"), 400, "invalid_value", "tool_choice"));
        c.add(new Case("tool_choice unknown string", CHAT, chat(tools + ",'tool_choice':'always'"), 400, "invalid_value", "tool_choice"));
        c.add(new Case("tool_choice is a number", CHAT, chat(tools + ",'tool_choice':1"), 400, "invalid_type", "tool_choice"));
        c.add(new Case("tool function name with spaces", CHAT, chat("'tools':[{'type':'function','function':{'name':'get weather'}}]"),
                400, "invalid_value", "tools[0].function.name"));
        c.add(new Case("tool without function", CHAT, chat("'tools':[{'type':'function'}]"),
                400, "missing_required_parameter", "tools[0].function"));
        c.add(new Case("tools is an object", CHAT, chat("'tools':{}"), 400, "invalid_type", "tools"));

        // response_format
        c.add(new Case("response_format.type unknown", CHAT, chat("'response_format':{'type':'yaml'}"),
                400, "invalid_value", "response_format.type"));
        c.add(new Case("response_format without type", CHAT, chat("'response_format':{}"),
                400, "missing_required_parameter", "response_format.type"));
        c.add(new Case("response_format is a string", CHAT, chat("'response_format':'json'"), 400, "invalid_type", "response_format"));
        c.add(new Case("json_schema without json_schema", CHAT, chat("'response_format':{'type':'json_schema'}"),
                400, "missing_required_parameter", "response_format.json_schema"));

        // embeddings input
        c.add(new Case("embeddings: missing input", EMB, emb(""), 400, "missing_required_parameter", "input"));
        c.add(new Case("embeddings: empty input array", EMB, emb("'input':[]"), 400, "invalid_value", "input"));
        c.add(new Case("embeddings: empty input string", EMB, emb("'input':''"), 400, "invalid_value", "input"));
        c.add(new Case("embeddings: empty string in array", EMB, emb("'input':['a','']"), 400, "invalid_value", "input[1]"));
        c.add(new Case("embeddings: input is a number", EMB, emb("'input':42"), 400, "invalid_type", "input"));
        c.add(new Case("embeddings: input is an object", EMB, emb("'input':{'text':'a'}"), 400, "invalid_type", "input"));
        c.add(new Case("embeddings: input item is a boolean", EMB, emb("'input':['a',true]"), 400, "invalid_type", "input[1]"));
        c.add(new Case("embeddings: negative token id", EMB, emb("'input':[1,-2]"), 400, "invalid_type", "input[1]"));
        c.add(new Case("embeddings: token list mixed with string", EMB, emb("'input':[1,'a']"), 400, "invalid_type", "input[1]"));
        c.add(new Case("embeddings: empty token list", EMB, emb("'input':[[1],[]]"), 400, "invalid_value", "input[1]"));
        c.add(new Case("embeddings: bad encoding_format", EMB, emb("'input':'a','encoding_format':'hex'"),
                400, "invalid_value", "encoding_format"));
        c.add(new Case("embeddings: encoding_format number", EMB, emb("'input':'a','encoding_format':1"),
                400, "invalid_type", "encoding_format"));
        c.add(new Case("embeddings: dimensions zero", EMB, emb("'input':'a','dimensions':0"),
                400, "integer_below_min_value", "dimensions"));
        c.add(new Case("embeddings: dimensions beyond the model's native size", EMB,
                emb("'input':'a','dimensions':1537"), 400, "invalid_value", "dimensions"));
        c.add(new Case("embeddings: placeholder dimensions beyond any real model", EMB,
                j("{'model':'openai/my-custom-embedder','input':'a','dimensions':65536}"),
                400, "invalid_value", "dimensions"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodyCases")
    void badBodyGetsAPreciseError(Case c) throws Exception {
        HttpResponse<String> r = post(c.path(), c.body(), gw.adminKey());
        assertError(r, c.status(), INVALID, c.code(), c.param());
    }

    /** The error envelope is OpenAI's, with exactly these fields and a human-readable message. */
    static JsonNode assertError(HttpResponse<String> r, int status, String type, String code, String param) throws IOException {
        assertThat(r.statusCode()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.headers().firstValue("agent-trace-id")).isPresent();
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.properties()).hasSize(1);
        JsonNode error = body.get("error");
        assertThat(error).as(r.body()).isNotNull();
        assertThat(names(error)).containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.get("type").asText()).as(r.body()).isEqualTo(type);
        assertThat(error.get("code").isNull() ? null : error.get("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(error.get("param").isNull() ? null : error.get("param").asText()).as(r.body()).isEqualTo(param);
        assertThat(error.get("message").asText()).as(r.body()).isNotBlank();
        return error;
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void parseErrorsSayWhatWasWrongWithoutEchoingParserInternals() throws Exception {
        byte[] badUtf8 = concat(j("{'model':'gpt-4o-mini','messages':[{'role':'user','content':'a"),
                new byte[] {(byte) 0xC3, (byte) 0x28}, j("'}]}"));
        JsonNode e = assertError(post(CHAT, badUtf8, gw.adminKey()), 400, INVALID, "invalid_json", null);
        assertThat(e.get("message").asText()).contains("UTF-8");
        e = assertError(post(CHAT, j("{'model':'a','model':'b'}"), gw.adminKey()), 400, INVALID, "invalid_json", null);
        assertThat(e.get("message").asText()).contains("twice");
        e = assertError(post(CHAT, msgs("[{'role':'wizard','content':'hi'}]"), gw.adminKey()), 400, INVALID, "invalid_value",
                "messages[0].role");
        assertThat(e.get("message").asText()).contains("wizard").contains("'user'");
    }

    @Test
    void theValidNeighboursOfTheTableAreAccepted() throws Exception {
        // Guards the table: each bad case differs from one of these only in the field under test.
        assertThat(post(CHAT, chat(""), gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat("'max_tokens':1,'temperature':2,'n':1,'stop':['a','b','c','d']"), gw.adminKey())
                .statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat("'stream':true,'stream_options':{'include_usage':true}"), gw.adminKey()).statusCode())
                .isEqualTo(200);
        assertThat(post(CHAT, chat("'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}],"
                + "'tool_choice':{'type':'function','function':{'name':'get_weather'}}"), gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, msgs("[{'role':'user','content':'hi'},{'role':'assistant','tool_calls':[{'id':'call_1',"
                + "'type':'function','function':{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'call_1','content':'42'}]"),
                gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, msgs("[{'role':'user','content':[{'type':'text','text':'look'},{'type':'image_url','image_url':"
                + "{'url':'data:image/png;base64,iVBORw0KGgo='}},{'type':'image_url','image_url':{'url':'https://example.com/a.png'}}]}]"),
                gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat("'response_format':{'type':'json_object'}"), gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(EMB, emb("'input':['a','b'],'encoding_format':'base64'"), gw.adminKey()).statusCode()).isEqualTo(200);
        assertThat(post(EMB, emb("'input':[[1,2],[3]]"), gw.adminKey()).statusCode()).isEqualTo(200);
    }

    @Test
    void schemasThePlaceholderCannotSatisfyStillGetABoundedAnswerNotA500() throws Exception {
        // An empty "type" array used to throw inside the placeholder's schema sampler (500).
        String emptyType = "'response_format':{'type':'json_schema','json_schema':{'name':'x','schema':{'type':[]}}}";
        HttpResponse<String> r = post(CHAT, chat(emptyType), gw.adminKey());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String toolWithEmptyType = "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object',"
                + "'required':['a'],'properties':{'a':{'type':[]}}}}}],'tool_choice':'required'";
        r = post(CHAT, chat(toolWithEmptyType), gw.adminKey());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("f");

        // Six nested arrays of 1000 strings of 100000 characters: a few hundred bytes asking for
        // 10^18 values. The answer must stay small instead of exhausting the gateway's memory.
        String items = "{'type':'string','minLength':100000}";
        for (int i = 0; i < 6; i++) items = "{'type':'array','minItems':1000,'items':" + items + "}";
        String amplifying = "'response_format':{'type':'json_schema','json_schema':{'name':'x','schema':" + items + "}}";
        for (String extra : List.of(amplifying, amplifying + ",'stream':true")) {
            r = post(CHAT, chat(extra), gw.adminKey());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body().length()).as("answer size").isLessThan(MIB);
        }
        String toolAmplifying = "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object',"
                + "'required':['a'],'properties':{'a':" + items + "}}}}],'tool_choice':{'type':'function','function':{'name':'f'}}";
        r = post(CHAT, chat(toolAmplifying), gw.adminKey());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().length()).as("answer size").isLessThan(MIB);
        assertServerStillServes();
    }

    // ------------------------------------------------------------------------------------------
    // Size limit.

    @Test
    void bodyOfExactlyTwoMebibytesIsAccepted() throws Exception {
        String head = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        String tail = "\"}]}";
        String body = head + "a".repeat(2 * MIB - head.length() - tail.length()) + tail;
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(2 * MIB);
        assertThat(post(CHAT, raw(body), gw.adminKey()).statusCode()).isEqualTo(200);
    }

    @Test
    void declaredContentLengthOverTwoMebibytesIs413BeforeTheBodyIsRead() throws Exception {
        String head = "POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + gw.adminKey() + "\r\nContent-Length: " + (2 * MIB + 1) + "\r\n\r\n";
        RawResponse r = rawExchange(head, out -> out.write(raw("{\"model\":\"gpt-4o-mini\",")));
        assertRawTooLarge(r);
        assertServerStillServes();
    }

    @Test
    void chunkedBodyOverTwoMebibytesIs413() throws Exception {
        String head = "POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + gw.adminKey() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        byte[] chunkHead = raw(Integer.toHexString(chunk.length) + "\r\n");
        RawResponse r = rawExchange(head, out -> {
            for (int sent = 0; sent < 4 * MIB; sent += chunk.length) {
                out.write(chunkHead);
                out.write(chunk);
                out.write(raw("\r\n"));
            }
            out.write(raw("0\r\n\r\n"));
        });
        assertRawTooLarge(r);
        assertServerStillServes();
    }

    private static void assertRawTooLarge(RawResponse r) throws IOException {
        assertThat(r.status).as(r.body).isEqualTo(413);
        assertThat(r.headers.get("connection")).isEqualToIgnoringCase("close");
        JsonNode e = JSON.readTree(r.body).get("error");
        assertThat(e.get("type").asText()).isEqualTo(INVALID);
        assertThat(e.get("code").asText()).isEqualTo("request_too_large");
        assertThat(e.get("param").isNull()).isTrue();
    }

    private static void assertServerStillServes() throws Exception {
        assertThat(gw.get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat(""), gw.adminKey()).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------
    // Authentication and scopes.

    @Test
    void missingKeyIs401AndComesBeforeBodyValidation() throws Exception {
        for (String path : List.of(CHAT, EMB, "/v2/api-keys")) {
            assertError(post(path, raw("not json"), null), 401, INVALID, "invalid_api_key", null);
        }
        assertError(gw.get("/v2/usage", null), 401, INVALID, "invalid_api_key", null);
        assertError(gw.get("/v1/models", null), 401, INVALID, "invalid_api_key", null);
        assertError(send(request(CHAT).header("authorization", "").POST(HttpRequest.BodyPublishers.ofString("{}"))),
                401, INVALID, "invalid_api_key", null);
    }

    @Test
    void malformedUnknownAndRevokedKeysAre401AndNeverEchoed() throws Exception {
        String unknown = RawKeys.generate();
        String revoked = gw.createKey("soon-revoked", "inference");
        assertThat(post(CHAT, chat(""), revoked).statusCode()).isEqualTo(200);
        String id = idOf(revoked);
        assertThat(gw.delete("/v2/api-keys/" + id, gw.adminKey()).statusCode()).isEqualTo(200);

        Map<String, String> presented = new LinkedHashMap<>();
        presented.put("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123456789");
        presented.put("zk_live_tooShort123", "Bearer zk_live_tooShort123");
        presented.put(unknown.substring(0, unknown.length() - 1) + "!", "Bearer " + unknown.substring(0, unknown.length() - 1) + "!");
        presented.put(unknown + "x", "Bearer " + unknown + "x");
        presented.put(gw.adminKey() + "-basic", "Basic " + gw.adminKey()); // right key, wrong scheme
        presented.put(gw.adminKey() + "-bare", gw.adminKey()); // no scheme at all
        presented.put(unknown, "Bearer " + unknown);
        presented.put(revoked, "Bearer " + revoked);
        for (var e : presented.entrySet()) {
            HttpResponse<String> r = send(request(CHAT).header("authorization", e.getValue())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(chat(""))));
            assertError(r, 401, INVALID, "invalid_api_key", null);
            String shown = e.getKey().replaceAll("-(basic|bare)$", "");
            assertThat(r.body()).as("the presented key must not be echoed").doesNotContain(shown);
            assertThat(r.body()).doesNotContain(shown.substring(Math.min(8, shown.length())));
        }
        JsonNode e = assertError(post(CHAT, chat(""), revoked), 401, INVALID, "invalid_api_key", null);
        assertThat(e.get("message").asText()).contains("revoked");
        // Case-insensitive scheme is fine: the right key still works.
        assertThat(send(request(CHAT).header("authorization", "bearer " + gw.adminKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(chat("")))).statusCode()).isEqualTo(200);
    }

    @Test
    void keyWithoutTheScopeIs403() throws Exception {
        String inference = gw.createKey("inference-only", "inference");
        String read = gw.createKey("read-only", "read");
        List<HttpResponse<String>> forbidden = List.of(
                gw.get("/v2/usage", inference),
                gw.get("/v2/api-keys", inference),
                post("/v2/api-keys", j("{'name':'x'}"), inference),
                post("/v2/api-keys", j("{'name':'x'}"), read),
                gw.delete("/v2/api-keys/key_whatever", read),
                post(CHAT, chat(""), read),
                post(EMB, emb("'input':'a'"), read),
                gw.get("/v1/models", read));
        for (HttpResponse<String> r : forbidden) {
            JsonNode e = assertError(r, 403, INVALID, "insufficient_scope", null);
            assertThat(e.get("message").asText()).doesNotContain(inference).doesNotContain(read);
        }
        // And each key can do what its scope allows.
        assertThat(post(CHAT, chat(""), inference).statusCode()).isEqualTo(200);
        assertThat(gw.get("/v2/usage", read).statusCode()).isEqualTo(200);
        assertThat(gw.get("/v2/api-keys", read).statusCode()).isEqualTo(200);
    }

    @Test
    void insufficientScopeIsCheckedBeforeTheBody() throws Exception {
        String read = gw.createKey("read-only-2", "read");
        assertError(post(CHAT, raw("{not json"), read), 403, INVALID, "insufficient_scope", null);
    }

    // ------------------------------------------------------------------------------------------
    // Routing.

    @Test
    void unknownUrlIs404() throws Exception {
        for (String path : List.of("/v1/chat/completion", "/v1", "/v3/chat/completions", "/v2/api-keys/key_x/rename",
                "/v2/api-keys/key_x/revoke/now")) {
            HttpResponse<String> r = send(request(path).header("authorization", "Bearer " + gw.adminKey())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertError(r, 404, INVALID, "unknown_url", null);
        }
        JsonNode e = assertError(gw.get("/nope", null), 404, INVALID, "unknown_url", null);
        assertThat(e.get("message").asText()).contains("GET /nope");
    }

    @Test
    void wrongMethodIs405() throws Exception {
        assertError(gw.get(CHAT, gw.adminKey()), 405, INVALID, "method_not_allowed", null);
        assertError(gw.get(EMB, gw.adminKey()), 405, INVALID, "method_not_allowed", null);
        assertError(gw.delete("/v2/usage", gw.adminKey()), 405, INVALID, "method_not_allowed", null);
        assertError(send(request("/v2/api-keys").header("authorization", "Bearer " + gw.adminKey())
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))), 405, INVALID, "method_not_allowed", null);
        assertError(send(request("/v1/models").method("PATCH", HttpRequest.BodyPublishers.ofString("{}"))),
                405, INVALID, "method_not_allowed", null);
    }

    // ------------------------------------------------------------------------------------------
    // Helpers.

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(gw.uri(path)).timeout(Duration.ofSeconds(20));
    }

    static HttpResponse<String> post(String path, byte[] body, String key) {
        var b = request(path).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) b.header("authorization", "Bearer " + key);
        return TestGateway.send(b.build());
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) {
        return TestGateway.send(b.build());
    }

    private static String idOf(String rawKey) throws IOException {
        String masked = RawKeys.mask(rawKey);
        for (JsonNode k : JSON.readTree(gw.get("/v2/api-keys").body()).get("data")) {
            if (k.get("masked").asText().equals(masked)) return k.get("id").asText();
        }
        throw new AssertionError("no key " + masked);
    }

    interface BodyWriter {
        void write(OutputStream out) throws IOException;
    }

    record RawResponse(int status, Map<String, String> headers, String body) {}

    /**
     * Sends {@code head} and then the body from a separate thread while this one reads the
     * response, so an early answer (and the server hanging up mid-upload) is seen as the client
     * would see it. Write failures after the server hung up are expected and ignored.
     */
    private static RawResponse rawExchange(String head, BodyWriter body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    body.write(out);
                    out.flush();
                } catch (IOException expected) {
                    // The server closed the connection after answering 413.
                }
            });
            InputStream in = s.getInputStream();
            String status = readLine(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line; !(line = readLine(in)).isEmpty(); ) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.get("content-length"));
            String text = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            s.close();
            writer.join(20_000);
            return new RawResponse(Integer.parseInt(status.split(" ")[1]), headers, text);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed before the response was complete");
            if (b == '\n') break;
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
