package ai.zumik.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.RequestRejected;
import ai.zumik.json.Json;
import ai.zumik.v1.ChatRequestParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiRequestTest {
    private static final String MODEL = "gemini-2.5-flash";
    private static final String USER = "'messages':[{'role':'user','content':'hi'}]";
    private static final String TOOL = "'tools':[{'type':'function','function':{'name':'f','parameters':"
            + "{'type':'object','properties':{'a':{'type':'string'}}}}}]";

    static JsonNode resource(String name) {
        try (InputStream in = GeminiRequestTest.class.getResourceAsStream("/gemini/" + name)) {
            return Json.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ChatRequest parse(String json) {
        try {
            return ChatRequestParser.parse((ObjectNode) Json.parse(json.replace('\'', '"').getBytes()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ObjectNode build(String fields) {
        return GeminiRequest.build(parse("{'model':'gemini/" + MODEL + "'," + fields + "}"), MODEL);
    }

    private static RequestRejected rejection(String fields) {
        return catchThrowableOfType(RequestRejected.class, () -> build(fields));
    }

    @Test
    void multiTurnConversationWithImagesToolsAndResultsMatchesTheGoldenRequest() {
        ChatRequest r = ChatRequestParser.parse((ObjectNode) resource("multiturn.openai.json"));
        assertThat(GeminiRequest.build(r, MODEL)).isEqualTo(resource("multiturn.gemini.json"));
    }

    @Test
    void aPlainRequestIsJustContents() {
        assertThat(build(USER)).isEqualTo(json("{'contents':[{'role':'user','parts':[{'text':'hi'}]}]}"));
    }

    @Test
    void consecutiveTurnsOfOneRoleAreMergedAndEmptyTextDropped() {
        ObjectNode out = build("'messages':[{'role':'user','content':'a'},{'role':'user','content':[{'type':'text','text':'b'},"
                + "{'type':'text','text':''}]},{'role':'assistant','content':'c'},{'role':'assistant','content':'d'}]");
        assertThat(out.get("contents")).isEqualTo(json("[{'role':'user','parts':[{'text':'a'},{'text':'b'}]},"
                + "{'role':'model','parts':[{'text':'c'},{'text':'d'}]}]"));
    }

    @Test
    void toolResultsThatAreNotJsonObjectsAreWrappedAsContent() {
        ObjectNode out = build("'messages':[{'role':'user','content':'go'},{'role':'assistant','content':null,'tool_calls':["
                + "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}},"
                + "{'id':'c2','type':'function','function':{'name':'g','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'c1','content':'[1,2]'},"
                + "{'role':'tool','tool_call_id':'c2','content':[{'type':'text','text':'not '},{'type':'text','text':'json'}]}]");
        assertThat(out.at("/contents/2")).isEqualTo(json("{'role':'user','parts':["
                + "{'functionResponse':{'name':'f','response':{'content':'[1,2]'}}},"
                + "{'functionResponse':{'name':'g','response':{'content':'not json'}}}]}"));
        assertThat(out.at("/contents/1/parts/0")).isEqualTo(json("{'functionCall':{'name':'f','args':{}}}"));
    }

    /** The cheap "cannot be an object" pre-check must not wrap an object that starts after whitespace or a BOM. */
    @Test
    void toolResultsThatAreJsonObjectsAreTheResponseEvenAfterLeadingWhitespaceOrAByteOrderMark() {
        ObjectNode out = build("'messages':[{'role':'user','content':'go'},{'role':'assistant','content':null,'tool_calls':["
                + "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}},"
                + "{'id':'c2','type':'function','function':{'name':'g','arguments':'{}'}},"
                + "{'id':'c3','type':'function','function':{'name':'h','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'c1','content':'{\\'t\\':1}'},"
                + "{'role':'tool','tool_call_id':'c2','content':' \\r\\n\\t{\\'t\\':2}'},"
                + "{'role':'tool','tool_call_id':'c3','content':'\\ufeff{\\'t\\':3}'}]");
        assertThat(out.at("/contents/2")).isEqualTo(json("{'role':'user','parts':["
                + "{'functionResponse':{'name':'f','response':{'t':1}}},"
                + "{'functionResponse':{'name':'g','response':{'t':2}}},"
                + "{'functionResponse':{'name':'h','response':{'t':3}}}]}"));
    }

    @Test
    void audioAndPdfTravelInline() {
        ObjectNode out = build("'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{'data':'UklG','format':'wav'}},"
                + "{'type':'file','file':{'filename':'a.pdf','file_data':'data:application/pdf;base64,JVBE'}}]}]");
        assertThat(out.at("/contents/0/parts")).isEqualTo(json("[{'inlineData':{'mimeType':'audio/wav','data':'UklG'}},"
                + "{'inlineData':{'mimeType':'application/pdf','data':'JVBE'}}]"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "'auto'|AUTO|",
            "'none'|NONE|",
            "'required'|ANY|",
            "{'type':'function','function':{'name':'f'}}|ANY|f",
    })
    void toolChoiceBecomesTheFunctionCallingMode(String choice, String mode, String allowed) {
        ObjectNode out = build(USER + "," + TOOL + ",'tool_choice':" + choice);
        assertThat(out.at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo(mode);
        JsonNode names = out.at("/toolConfig/functionCallingConfig/allowedFunctionNames");
        if (allowed == null) assertThat(names.isMissingNode()).isTrue();
        else assertThat(names).isEqualTo(json("['" + allowed + "']"));
    }

    @Test
    void withoutToolChoiceGeminiKeepsItsDefaultButStrictToolsAskForValidatedCalls() {
        assertThat(build(USER + "," + TOOL).has("toolConfig")).isFalse();
        String strictTool = TOOL.replace("'name':'f',", "'name':'f','strict':true,");
        assertThat(build(USER + "," + strictTool).at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("VALIDATED");
        assertThat(build(USER + "," + strictTool + ",'tool_choice':'required'").at("/toolConfig/functionCallingConfig/mode")
                .asText()).isEqualTo("ANY");
    }

    @Test
    void responseFormatsBecomeMimeTypeAndSchemaWithPropertyOrdering() {
        assertThat(build(USER + ",'response_format':{'type':'json_object'}").get("generationConfig"))
                .isEqualTo(json("{'responseMimeType':'application/json'}"));
        ObjectNode out = build(USER + ",'response_format':{'type':'json_schema','json_schema':{'name':'p','strict':true,"
                + "'schema':{'type':'object','properties':{'z':{'type':'string'},'a':{'type':'integer'}},"
                + "'required':['z','a'],'additionalProperties':false}}}");
        assertThat(out.get("generationConfig")).isEqualTo(json("{'responseMimeType':'application/json','responseSchema':"
                + "{'type':'OBJECT','properties':{'z':{'type':'STRING'},'a':{'type':'INTEGER'}},'required':['z','a'],"
                + "'propertyOrdering':['z','a']}}"));
        assertThat(build(USER + ",'response_format':{'type':'text'}").has("generationConfig")).isFalse();
    }

    @Test
    void aResponseSchemaGeminiCannotEnforceIsRejectedWithItsPath() {
        RequestRejected r = rejection(USER + ",'response_format':{'type':'json_schema','json_schema':{'name':'p',"
                + "'schema':{'type':'object','properties':{'id':{'type':'string','pattern':'^[0-9]+$'}}}}}");
        assertThat(r.param()).isEqualTo("response_format.json_schema.schema.properties.id.pattern");
    }

    @Test
    void reasoningEffortIsABudgetOnGemini2AndALevelOnLaterModels() {
        assertThat(build(USER + ",'reasoning_effort':'none'").at("/generationConfig/thinkingConfig"))
                .isEqualTo(json("{'thinkingBudget':0}"));
        assertThat(build(USER + ",'reasoning_effort':'high'").at("/generationConfig/thinkingConfig"))
                .isEqualTo(json("{'thinkingBudget':24576}"));
        ChatRequest r = parse("{'model':'gemini/gemini-3-pro-preview'," + USER + ",'reasoning_effort':'low'}");
        assertThat(GeminiRequest.build(r, "gemini-3-pro-preview").at("/generationConfig/thinkingConfig"))
                .isEqualTo(json("{'thinkingLevel':'low'}"));
        ChatRequest off = parse("{'model':'gemini/gemini-3-pro-preview'," + USER + ",'reasoning_effort':'none'}");
        assertThat(catchThrowableOfType(RequestRejected.class, () -> GeminiRequest.build(off, "gemini-3-pro-preview")).param())
                .isEqualTo("reasoning_effort");
    }

    @Test
    void fieldsThatDoNotChangeGenerationAreAccepted() {
        ObjectNode out = build(USER + ",'user':'u','store':true,'metadata':{'a':'b'},'service_tier':'flex',"
                + "'stream':true,'stream_options':{'include_usage':true},'logprobs':false,'logit_bias':{},'modalities':['text'],"
                + "'safety_identifier':'s','prompt_cache_key':'k'");
        assertThat(out).isEqualTo(json("{'contents':[{'role':'user','parts':[{'text':'hi'}]}]}"));
    }

    @Test
    void topKIsSentWhenTheClientSendsIt() {
        assertThat(build(USER + ",'top_k':40").at("/generationConfig/topK").asInt()).isEqualTo(40);
        assertThat(rejection(USER + ",'top_k':0").param()).isEqualTo("top_k");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "'logprobs':true|logprobs",
            "'top_logprobs':2|top_logprobs",
            "'logit_bias':{'50256':-100}|logit_bias",
            "'audio':{'voice':'alloy','format':'wav'}|audio",
            "'modalities':['text','audio']|modalities",
            "'prediction':{'type':'content','content':'x'}|prediction",
            "'functions':[{'name':'f'}]|functions",
            "'web_search_options':{}|web_search_options",
            "'frobnicate':1|frobnicate",
            "'seed':9999999999|seed",
            "'reasoning_effort':'xhigh'|reasoning_effort",
    })
    void topLevelFieldsGeminiCannotHonourAreRejectedByName(String field, String param) {
        RequestRejected r = rejection(USER + "," + field);
        assertThat(r).as(field).isNotNull();
        assertThat(r.param()).isEqualTo(param);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // an https image would have to be fetched
            "'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'https://example.com/a.png'}}]}]"
                    + "|messages[0].content[0].image_url.url",
            "'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:image/png;base64,AA','detail':'low'}},"
                    + "{'type':'image_url','image_url':{'url':'data:image/png;base64,AA','detail':'high'}}]}]"
                    + "|messages[0].content[1].image_url.detail",
            "'messages':[{'role':'user','content':[{'type':'file','file':{'file_id':'file-abc'}}]}]|messages[0].content[0].file.file_id",
            "'messages':[{'role':'user','content':[{'type':'file','file':{'file_data':'JVBE'}}]}]|messages[0].content[0].file.file_data",
            "'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{'data':'AA','format':'midi'}}]}]"
                    + "|messages[0].content[0].input_audio.format",
            "'messages':[{'role':'user','content':[{'type':'video_url','video_url':{'url':'x'}}]}]|messages[0].content[0].type",
            "'messages':[{'role':'user','content':'hi','name':'alice'}]|messages[0].name",
            "'messages':[{'role':'user','content':'hi','cache_control':{'type':'ephemeral'}}]|messages[0].cache_control",
            "'messages':[{'role':'user','content':'go'},{'role':'assistant','tool_calls':[{'id':'c','type':'function',"
                    + "'function':{'name':'f','arguments':'{not json'}}]}]|messages[1].tool_calls[0].function.arguments",
            "'messages':[{'role':'user','content':'go'},{'role':'assistant','tool_calls':[{'id':'c','type':'function',"
                    + "'function':{'name':'f','arguments':'[1]'}}]}]|messages[1].tool_calls[0].function.arguments",
            "'messages':[{'role':'user','content':'go'},{'role':'assistant','tool_calls':[{'id':'c','type':'custom',"
                    + "'custom':{'name':'f','input':'x'}}]}]|messages[1].tool_calls[0].type",
            "'messages':[{'role':'user','content':'go'},{'role':'function','name':'f','content':'r'}]|messages[1].role",
            "'messages':[{'role':'user','content':'go'},{'role':'assistant','content':'x','audio':{'id':'audio_1'}}]|messages[1].audio",
    })
    void messageContentGeminiCannotCarryIsRejectedWithItsPath(String fields, String param) {
        RequestRejected r = rejection(fields);
        assertThat(r).as(fields).isNotNull();
        assertThat(r.param()).isEqualTo(param);
    }

    @Test
    void anSdkEchoedAssistantMessageWithNullExtrasIsAccepted() {
        ObjectNode out = build("'messages':[{'role':'user','content':'a'},{'role':'assistant','content':'b','refusal':null,"
                + "'audio':null,'function_call':null,'annotations':[]},{'role':'user','content':'c'}]");
        assertThat(out.at("/contents/1")).isEqualTo(json("{'role':'model','parts':[{'text':'b'}]}"));
        ObjectNode refused = build("'messages':[{'role':'user','content':'a'},{'role':'assistant','content':'',"
                + "'refusal':'I cannot help with that.'},{'role':'user','content':'c'}]");
        assertThat(refused.at("/contents/1")).isEqualTo(json("{'role':'model','parts':[{'text':'I cannot help with that.'}]}"));
    }

    @Test
    void toolDeclarationsGeminiCannotHonourAreRejected() {
        assertThat(rejection(USER + ",'tools':[{'type':'function','function':{'name':'f'}},{'type':'web_search'}]").param())
                .isEqualTo("tools[1].type");
        assertThat(rejection(USER + "," + TOOL + ",'tool_choice':{'type':'allowed_tools','allowed_tools':{'mode':'auto',"
                + "'tools':[]}}").param()).isEqualTo("tool_choice.type");
        assertThat(rejection(USER + "," + TOOL + ",'parallel_tool_calls':false").param()).isEqualTo("parallel_tool_calls");
        assertThat(build(USER + "," + TOOL + ",'parallel_tool_calls':true").has("tools")).isTrue();
        assertThat(rejection(USER + ",'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object',"
                + "'properties':{'code':{'type':'string','pattern':'x'}}}}}]").param())
                .isEqualTo("tools[0].function.parameters.properties.code.pattern");
    }

    static JsonNode json(String s) {
        try {
            return Json.parse(s.replace('\'', '"').getBytes());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
