package ai.zumik.provider.gemini;

import static ai.zumik.provider.gemini.GeminiRequestTest.json;
import static ai.zumik.provider.gemini.GeminiRequestTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiResponseTest {

    private static JsonNode body(StreamEvent e) {
        try {
            return Json.parse(((StreamEvent.Completion) e).json());
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void candidatesBecomeChoicesWithTextToolCallsAndCachedAndThinkingUsage() {
        StreamEvent e = GeminiResponse.completion(resource("generate-two-candidates.json"), "gemini-2.5-flash");
        JsonNode out = body(e);
        assertThat(out.get("object").asText()).isEqualTo("chat.completion");
        assertThat(out.at("/choices/0")).isEqualTo(json("{'index':0,'message':{'role':'assistant','content':'It is sunny.',"
                + "'refusal':null,'annotations':[]},'logprobs':null,'finish_reason':'stop'}"));
        JsonNode second = out.at("/choices/1");
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(second.at("/message/content").isNull()).isTrue();
        JsonNode call = second.at("/message/tool_calls/0");
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(json(call.at("/function/arguments").asText().replace('"', '\''))).isEqualTo(json("{'city':'Paris','days':2}"));
        assertThat(ToolCallIds.signature(call.get("id").asText())).isEqualTo("c2lnbmF0dXJl");
        assertThat(out.get("usage")).isEqualTo(json("{'prompt_tokens':120,'completion_tokens':60,'total_tokens':180,"
                + "'prompt_tokens_details':{'cached_tokens':100},'completion_tokens_details':{'reasoning_tokens':35}}"));
        StreamEvent.Completion c = (StreamEvent.Completion) e;
        assertThat(c.usage().cachedTokens()).isEqualTo(100L);
        assertThat(c.usage().reasoningTokens()).isEqualTo(35L);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "STOP|stop", "MAX_TOKENS|length", "SAFETY|content_filter", "RECITATION|content_filter",
            "BLOCKLIST|content_filter", "PROHIBITED_CONTENT|content_filter", "SPII|content_filter",
            "IMAGE_SAFETY|content_filter", "LANGUAGE|content_filter",
            "MALFORMED_FUNCTION_CALL|", "UNEXPECTED_TOOL_CALL|", "TOO_MANY_TOOL_CALLS|", "OTHER|", "SOMETHING_NEW|",
    })
    void everyFinishReasonMapsOrFailsTheAttempt(String reason, String openAi) {
        StreamEvent e = GeminiResponse.completion(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'x'}],"
                + "'role':'model'},'finishReason':'" + reason + "'}],'usageMetadata':{'promptTokenCount':3,'candidatesTokenCount':1}}"), "m");
        if (openAi == null) {
            StreamEvent.Failed f = (StreamEvent.Failed) e;
            assertThat(f.failure().failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
            assertThat(f.failure().message()).contains(reason);
            assertThat(f.usage().promptTokens()).as("usage is kept for billing").isEqualTo(3L);
        } else {
            assertThat(body(e).at("/choices/0/finish_reason").asText()).isEqualTo(openAi);
        }
    }

    @Test
    void aBlockedPromptIsAContentRefusalNotAnEmptyAnswer() {
        StreamEvent e = GeminiResponse.completion(json("{'promptFeedback':{'blockReason':'SAFETY','safetyRatings':[]},"
                + "'usageMetadata':{'promptTokenCount':9,'totalTokenCount':9}}"), "m");
        StreamEvent.Failed f = (StreamEvent.Failed) e;
        assertThat(f.failure().failureClass()).isEqualTo(FailureClass.CONTENT_REFUSAL);
        assertThat(f.failure().failureClass().httpStatus()).isEqualTo(400);
        assertThat(f.failure().message()).contains("SAFETY");
        assertThat(f.usage().promptTokens()).isEqualTo(9L);
        StreamEvent nothing = GeminiResponse.completion(json("{'candidates':[]}"), "m");
        assertThat(((StreamEvent.Failed) nothing).failure().failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
    }

    @Test
    void aCandidateWithNoTextAndNoCallsHasEmptyContent() {
        JsonNode out = body(GeminiResponse.completion(json("{'candidates':[{'content':{'parts':[{'text':'hm','thought':true}]},"
                + "'finishReason':'SAFETY'}]}"), "m"));
        assertThat(out.at("/choices/0/message/content").asText()).isEmpty();
        assertThat(out.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(out.at("/usage/prompt_tokens").asInt()).as("no usageMetadata: zeros on the wire").isZero();
    }
}
