package ai.zumik.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.broker.RoutePlan;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Every benchmark's fixture does the whole job it claims to measure and gives the same answer on
 * every call, so a benchmark cannot silently measure an early exit, a rejection or nothing.
 */
class BenchmarkFixturesTest {

    private static JsonNode json(byte[] bytes) throws IOException {
        return Json.parse(bytes);
    }

    @Test
    void anthropicRequestTranslationProducesTheWholeMessagesRequest() throws IOException {
        RequestTranslationBench bench = new RequestTranslationBench();
        bench.setUp();
        byte[] first = bench.anthropicRequest();
        assertThat(bench.anthropicRequest()).isEqualTo(first);
        JsonNode body = json(first);
        assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.at("/system/0/text").asText()).startsWith("You are Zed");
        assertThat(body.get("tools")).hasSize(4);
        assertThat(body.at("/tools/2/input_schema/properties/env/items/required")).hasSize(2);
        assertThat(body.at("/tool_choice/type").asText()).isEqualTo("auto");
        // user, assistant (2 calls), user (2 results), assistant (1 call), user (1 result), assistant, user
        JsonNode messages = body.get("messages");
        assertThat(messages).hasSize(7);
        assertThat(messages.at("/1/content/1/type").asText()).isEqualTo("tool_use");
        assertThat(messages.at("/1/content/1/input/path").asText()).endsWith("Instalments.java");
        assertThat(messages.at("/2/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(messages.at("/2/content/1/tool_use_id").asText()).isEqualTo("call_search_2");
        assertThat(messages.at("/6/content/0/text").asText()).contains("first instalment");
        assertThat(body.get("stream").asBoolean()).isTrue();
    }

    @Test
    void geminiRequestTranslationProducesTheWholeGenerateContentRequest() throws IOException {
        RequestTranslationBench bench = new RequestTranslationBench();
        bench.setUp();
        byte[] first = bench.geminiRequest();
        assertThat(bench.geminiRequest()).isEqualTo(first);
        JsonNode body = json(first);
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).startsWith("You are Zed");
        JsonNode declarations = body.at("/tools/0/functionDeclarations");
        assertThat(declarations).hasSize(4);
        assertThat(declarations.at("/2/parameters/properties/env/items/type").asText()).isEqualTo("OBJECT");
        JsonNode contents = body.get("contents");
        assertThat(contents).hasSize(7);
        assertThat(contents.at("/1/role").asText()).isEqualTo("model");
        assertThat(contents.at("/1/parts/1/functionCall/args/path").asText()).endsWith("Instalments.java");
        assertThat(contents.at("/2/parts/1/functionResponse/name").asText()).isEqualTo("search_code");
        assertThat(contents.at("/2/parts/1/functionResponse/response/matches")).hasSize(2);
        assertThat(body.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(4096);
    }

    @Test
    void eachStreamEventBecomesOneCompleteChunkEveryTime() throws IOException {
        StreamChunkBench bench = new StreamChunkBench();
        bench.setUp();

        byte[] text = bench.anthropicTextDelta();
        assertThat(bench.anthropicTextDelta()).isEqualTo(text);
        JsonNode chunk = json(text);
        assertThat(chunk.get("id").asText()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunk.at("/choices/0/delta")).isEqualTo(Json.MAPPER.readTree(
                "{\"content\":\" the remainder to the first instalment, so the\"}"));
        assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();

        byte[] args = bench.anthropicInputJsonDelta();
        assertThat(bench.anthropicInputJsonDelta()).isEqualTo(args);
        assertThat(json(args).at("/choices/0/delta")).isEqualTo(Json.MAPPER.readTree(
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\": \\\"src/main/java/com/exa\"}}]}"));

        byte[] gemini = bench.geminiText();
        assertThat(bench.geminiText()).isEqualTo(gemini);
        JsonNode g = json(gemini);
        assertThat(g.get("model").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(g.at("/choices/0/delta/content").asText())
                .isEqualTo(" the remainder to the first instalment, so the parts always add up to the total.");
        assertThat(g.at("/choices/0/delta").size()).isEqualTo(1);
    }

    @Test
    void routingDecisionsConsiderEveryCandidateAndAreDeterministic() throws IOException {
        RoutingBench bench = new RoutingBench();
        bench.setUp();
        try {
            RoutePlan auto = bench.autoAlias();
            assertThat(auto.release()).isNotNull();
            assertThat(auto.verdicts()).hasSize(3).allSatisfy(v -> assertThat(v.reason()).isEqualTo("kept"));
            assertThat(auto.order()).hasSize(3);
            assertThat(bench.autoAlias().order()).extracting(t -> t.model().model())
                    .isEqualTo(auto.order().stream().map(t -> t.model().model()).toList());

            RoutePlan concrete = bench.concreteWithFallbacks();
            assertThat(concrete.release()).isNull();
            assertThat(concrete.order().getFirst().model().model()).isEqualTo("gpt-4.1-mini");
            assertThat(concrete.order().size()).isGreaterThan(1);
            assertThat(concrete.order().stream().map(t -> t.model().provider()).distinct().count()).isGreaterThan(1);
            assertThat(bench.concreteWithFallbacks().verdicts()).isEqualTo(concrete.verdicts());
        } finally {
            bench.tearDown();
        }
    }
}
