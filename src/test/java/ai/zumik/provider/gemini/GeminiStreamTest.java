package ai.zumik.provider.gemini;

import static ai.zumik.provider.gemini.GeminiRequestTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.json.Json;
import ai.zumik.provider.sse.SseDecoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Recorded {@code streamGenerateContent?alt=sse} transcripts fed through the real SSE decoder. */
class GeminiStreamTest {

    /** What a transcript turned into: the chunks (usage-only one last, if any) and the ending failure, if any. */
    private record Run(List<StreamEvent.Chunk> chunks, UpstreamFailure failure) {
        List<JsonNode> choices() {
            List<JsonNode> out = new ArrayList<>();
            for (StreamEvent.Chunk c : chunks) if (!c.usageOnly()) out.add(tree(c).get("choices"));
            return out;
        }

        StreamEvent.Chunk last() {
            return chunks.getLast();
        }
    }

    private static byte[] transcript(String name) {
        try (InputStream in = GeminiStreamTest.class.getResourceAsStream("/gemini/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Feeds {@code bytes} in {@code piece}-byte reads, as TCP might deliver them, then ends the stream. */
    private static Run run(byte[] bytes, int piece) {
        GeminiStream stream = new GeminiStream("gemini-2.5-flash", "AIzaSyTESTKEY0000000000000000000000000");
        List<StreamEvent.Chunk> chunks = new ArrayList<>();
        UpstreamFailure[] failure = {null};
        SseDecoder decoder = new SseDecoder((event, data, length) -> {
            if (failure[0] != null) return;
            failure[0] = stream.accept(data, length, e -> chunks.add((StreamEvent.Chunk) e));
        });
        for (int i = 0; i < bytes.length; i += piece) {
            decoder.feed(Buffer.buffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece))));
        }
        if (failure[0] == null) failure[0] = stream.close(e -> chunks.add((StreamEvent.Chunk) e));
        return new Run(chunks, failure[0]);
    }

    private static ObjectNode tree(StreamEvent.Chunk c) {
        try {
            return (ObjectNode) Json.parse(c.json());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode choice(String s) {
        return json("[" + s + "]");
    }

    @Test
    void textStreamsAsRoleThenContentThenFinishThenUsageAndThoughtsAreNotContent() {
        // 7-byte reads split "à", "—" and "ç" across reads and the CRLF separators too.
        Run run = run(transcript("stream-text.sse"), 7);
        assertThat(run.failure()).isNull();
        assertThat(run.choices()).containsExactly(
                choice("{'index':0,'delta':{'role':'assistant','content':''},'logprobs':null,'finish_reason':null}"),
                choice("{'index':0,'delta':{'content':'Bonjour'},'logprobs':null,'finish_reason':null}"),
                choice("{'index':0,'delta':{'content':' à tous — ça va ?'},'logprobs':null,'finish_reason':null}"),
                choice("{'index':0,'delta':{},'logprobs':null,'finish_reason':'stop'}"));
        StreamEvent.Chunk usage = run.last();
        assertThat(usage.usageOnly()).isTrue();
        assertThat(tree(usage).get("choices")).isEmpty();
        assertThat(tree(usage).get("usage")).isEqualTo(json("{'prompt_tokens':11,'completion_tokens':46,'total_tokens':57,"
                + "'prompt_tokens_details':{'cached_tokens':4},'completion_tokens_details':{'reasoning_tokens':37}}"));
        assertThat(usage.usage().cachedTokens()).isEqualTo(4L);
        assertThat(run.chunks()).allSatisfy(c -> {
            assertThat(tree(c).get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(tree(c).get("id").asText()).isEqualTo("chatcmpl-mKZ3aOCgM9XyvdIPk7m34Ao");
        });
    }

    @Test
    void parallelFunctionCallsStreamAsOpenAiToolCallDeltasCountingCallsNotParts() {
        Run run = run(transcript("stream-parallel-calls.sse"), 1 << 16);
        assertThat(run.failure()).isNull();
        List<JsonNode> choices = run.choices();
        assertThat(choices).hasSize(7);
        assertThat(choices.get(0)).isEqualTo(choice("{'index':0,'delta':{'role':'assistant','content':''},'logprobs':null,'finish_reason':null}"));
        assertThat(choices.get(1).at("/0/delta/content").asText()).isEqualTo("Let me check both cities.");

        JsonNode first = choices.get(2).at("/0/delta/tool_calls/0");
        assertThat(first.get("index").asInt()).isZero();
        assertThat(first.get("type").asText()).isEqualTo("function");
        assertThat(first.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(first.at("/function/arguments").asText()).isEmpty();
        assertThat(ToolCallIds.signature(first.get("id").asText())).as("the signature rides in the first call's id")
                .isEqualTo("CiQB0e2Kb7x9sVvD1c8QwE0+/Zr3Ag==");
        assertThat(choices.get(3).at("/0/delta/tool_calls")).isEqualTo(json("[{'index':0,'function':{'arguments':'{\\\"city\\\":\\\"Paris\\\"}'}}]"));

        JsonNode second = choices.get(4).at("/0/delta/tool_calls/0");
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(ToolCallIds.signature(second.get("id").asText())).isNull();
        assertThat(second.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(choices.get(5).at("/0/delta/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Tōkyō\"}");
        assertThat(choices.get(6)).isEqualTo(choice("{'index':0,'delta':{},'logprobs':null,'finish_reason':'tool_calls'}"));

        assertThat(tree(run.last()).get("usage")).isEqualTo(json("{'prompt_tokens':64,'completion_tokens':86,'total_tokens':150,"
                + "'prompt_tokens_details':{'cached_tokens':0},'completion_tokens_details':{'reasoning_tokens':56}}"));
    }

    @Test
    void aStreamThatEndsBeforeAFinishReasonIsInterruptedWithTheUsageSoFar() {
        byte[] all = transcript("stream-text.sse");
        String text = new String(all, java.nio.charset.StandardCharsets.UTF_8);
        byte[] cut = text.substring(0, text.indexOf("data:", text.indexOf("Bonjour"))).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        GeminiStream stream = new GeminiStream("m", null);
        List<StreamEvent.Chunk> chunks = new ArrayList<>();
        new SseDecoder((e, d, l) -> {
            try {
                assertThat(stream.accept(Json.parse(d, 0, l), x -> chunks.add((StreamEvent.Chunk) x))).isNull();
            } catch (IOException ex) {
                throw new AssertionError(ex);
            }
        }).feed(Buffer.buffer(cut));
        UpstreamFailure f = stream.close(x -> chunks.add((StreamEvent.Chunk) x));
        assertThat(f.failureClass()).isEqualTo(FailureClass.STREAM_INTERRUPTED);
        assertThat(chunks).noneMatch(StreamEvent.Chunk::usageOnly);
        assertThat(stream.usage().promptTokens()).isEqualTo(11L);
        assertThat(stream.usage().completionTokens()).isEqualTo(39L);
    }

    @Test
    void everyCandidateIsAChoiceAndTheStreamIsWholeOnlyWhenAllFinished() {
        GeminiStream s = new GeminiStream("m", null);
        List<StreamEvent.Chunk> out = new ArrayList<>();
        assertThat(s.accept(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'a'}]}},"
                + "{'index':1,'content':{'parts':[{'text':'b'}]},'finishReason':'MAX_TOKENS'}]}"), e -> out.add((StreamEvent.Chunk) e))).isNull();
        assertThat(s.close(e -> out.add((StreamEvent.Chunk) e)).failureClass()).isEqualTo(FailureClass.STREAM_INTERRUPTED);
        assertThat(s.accept(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'c'}]},'finishReason':'STOP'}]}"),
                e -> out.add((StreamEvent.Chunk) e))).isNull();
        assertThat(s.close(e -> out.add((StreamEvent.Chunk) e))).isNull();
        List<String> seen = out.stream().filter(c -> !c.usageOnly())
                .map(c -> tree(c).at("/choices/0/index").asInt() + ":" + tree(c).at("/choices/0/delta/content").asText("")
                        + ":" + tree(c).at("/choices/0/finish_reason").asText())
                .toList();
        assertThat(seen).containsExactly("0::null", "0:a:null", "1::null", "1:b:null", "1::length", "0:c:null", "0::stop");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "STOP|stop", "MAX_TOKENS|length", "SAFETY|content_filter", "RECITATION|content_filter",
            "BLOCKLIST|content_filter", "PROHIBITED_CONTENT|content_filter", "SPII|content_filter",
            "IMAGE_SAFETY|content_filter", "LANGUAGE|content_filter", "IMAGE_PROHIBITED_CONTENT|content_filter",
            "MALFORMED_FUNCTION_CALL|", "UNEXPECTED_TOOL_CALL|", "TOO_MANY_TOOL_CALLS|", "MISSING_THOUGHT_SIGNATURE|",
            "OTHER|", "FINISH_REASON_UNSPECIFIED|", "SOMETHING_NEW|",
    })
    void everyFinishReasonMapsOrFailsTheStream(String reason, String openAi) {
        GeminiStream s = new GeminiStream("m", null);
        List<StreamEvent.Chunk> out = new ArrayList<>();
        UpstreamFailure f = s.accept(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'x'}]},'finishReason':'"
                + reason + "'}]}"), e -> out.add((StreamEvent.Chunk) e));
        if (openAi == null) {
            assertThat(f.failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
            assertThat(f.message()).contains(reason);
        } else {
            assertThat(f).isNull();
            assertThat(tree(out.getLast()).at("/choices/0/finish_reason").asText()).isEqualTo(openAi);
        }
    }

    @Test
    void aBlockedPromptFailsBeforeAnyChunkAsAContentRefusal() {
        GeminiStream s = new GeminiStream("m", null);
        List<StreamEvent> out = new ArrayList<>();
        UpstreamFailure f = s.accept(json("{'promptFeedback':{'blockReason':'PROHIBITED_CONTENT'},"
                + "'usageMetadata':{'promptTokenCount':7,'totalTokenCount':7}}"), out::add);
        assertThat(f.failureClass()).isEqualTo(FailureClass.CONTENT_REFUSAL);
        assertThat(f.message()).contains("PROHIBITED_CONTENT");
        assertThat(out).isEmpty();
        assertThat(s.usage().promptTokens()).isEqualTo(7L);
    }

    @Test
    void anErrorEventAfterContentInterruptsTheAnswer() {
        GeminiStream s = new GeminiStream("m", "AIzaSySECRET00000000000000000000000000");
        List<StreamEvent> out = new ArrayList<>();
        assertThat(s.accept(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'x'}]}}]}"), out::add)).isNull();
        UpstreamFailure f = s.accept(json("{'error':{'code':500,'message':'An internal error has occurred.','status':'INTERNAL'}}"), out::add);
        assertThat(f.failureClass()).isEqualTo(FailureClass.STREAM_INTERRUPTED);
        UpstreamFailure first = new GeminiStream("m", null).accept(
                json("{'error':{'code':503,'message':'The model is overloaded.','status':'UNAVAILABLE'}}"), out::add);
        assertThat(first.failureClass()).isEqualTo(FailureClass.OVERLOADED);
    }

    @Test
    void aRoleChunkBeforeAFunctionCallHasNullContent() {
        GeminiStream s = new GeminiStream("m", null);
        List<StreamEvent.Chunk> out = new ArrayList<>();
        s.accept(json("{'candidates':[{'index':0,'content':{'parts':[{'text':'','thought':true},"
                + "{'functionCall':{'name':'f'}}]},'finishReason':'STOP'}]}"), e -> out.add((StreamEvent.Chunk) e));
        assertThat(tree(out.get(0)).at("/choices/0/delta")).isEqualTo(json("{'role':'assistant','content':null}"));
        assertThat(tree(out.get(2)).at("/choices/0/delta/tool_calls/0/function/arguments").asText()).isEqualTo("{}");
        ArrayNode last = (ArrayNode) tree(out.getLast()).get("choices");
        assertThat(last.get(0).get("finish_reason").asText()).isEqualTo("tool_calls");
    }
}
