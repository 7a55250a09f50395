package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where requests go and what comes back unchanged: OpenAI-family passthrough of fields Zumik does
 * not interpret, provider prefixes, xAI/Fireworks endpoints and quirks, the Bifrost gateway, and
 * the rule that placeholder output appears only when no upstream is configured.
 */
class UpstreamRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void unknownFieldsPassThroughBothWaysAndOnlyModelAndIdChange() throws Exception {
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-abcdef123456")) {
            openai.enqueue(Script.json("{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"ok\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6},"
                    + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_x\",\"x_future_field\":{\"kept\":[1,2.50]}}"));
            String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"x_msg\":true}],"
                    + "\"temperature\":0.70,\"x_new_param\":{\"a\":[1,\"b\"]},\"metadata\":{\"k\":\"v\"},\"store\":false}";
            HttpResponse<String> r = gw.post("/v1/chat/completions", request);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode sent = openai.lastRequest().json();
            assertThat(openai.lastRequest().path()).isEqualTo("/v1/chat/completions");
            assertThat(sent.get("x_new_param").toString()).isEqualTo("{\"a\":[1,\"b\"]}");
            assertThat(sent.at("/messages/0/x_msg").asBoolean()).isTrue();
            assertThat(openai.lastRequest().body()).contains("\"temperature\":0.70");
            assertThat(sent.get("store").asBoolean()).isFalse();
            assertThat(sent.has("stream_options")).as("non-stream requests are not given stream options").isFalse();
            JsonNode body = JSON.readTree(r.body());
            String rsp = r.headers().firstValue("agent-response-id").orElseThrow();
            assertThat(body.get("id").asText()).isEqualTo("chatcmpl-" + rsp);
            assertThat(body.get("model").asText()).as("echoes the requested model").isEqualTo("gpt-4o-mini");
            assertThat(r.body()).contains("\"x_future_field\":{\"kept\":[1,2.50]}");
            assertThat(body.get("service_tier").asText()).isEqualTo("default");
            assertThat(r.headers().firstValue("agent-execution-mode")).hasValue("live");
            assertThat(r.headers().firstValue("agent-execution-profile")).hasValue("managed_provider");
            assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("openai");
            assertThat(r.headers().firstValue("agent-resolved-model")).hasValue("gpt-4o-mini");
            assertThat(r.headers().firstValue("agent-trace-id").orElseThrow()).matches("trc_[0-9a-z]{26}");
        }
    }

    /**
     * An OpenAI-compatible provider gets the client's own bytes: key order, spacing, escapes and
     * number forms as sent, with only what Zumik sets spliced in (the provider's model id, a stream's
     * usage option, a background request's service tier) — not the parsed tree written out again.
     */
    @Test
    void theClientsBytesReachTheProviderAsSentWithOnlyWhatZumikSetsSplicedIn() throws Exception {
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-abcdef123456")) {
            String request = "{ \"messages\" : [ {\"content\":\"caf\\u00e9 \\\"q\\\" \\/ \u00fc\", \"role\":\"user\"} ],\n"
                    + "  \"temperature\" : 1.0E0, \"model\" : \"openai/gpt-4o-mini\", \"x_new\":{\"b\":2,\"a\":[1e2, -0.0]} }\n";
            String sent = request.replace("\"openai/gpt-4o-mini\"", "\"gpt-4o-mini\"");
            assertThat(gw.post("/v1/chat/completions", request).statusCode()).isEqualTo(200);
            assertThat(openai.lastRequest().body()).isEqualTo(sent);
            assertThat(openai.lastRequest().headers().get("authorization")).isEqualTo("Bearer sk-abcdef123456");
            assertThat(openai.lastRequest().headers().get("content-type")).isEqualTo("application/json");
            assertThat(openai.lastRequest().headers().get("accept")).isEqualTo("application/json");

            String stream = request.replace("1.0E0,", "1.0E0, \"stream\":true,");
            HttpResponse<String> r = gw.post("/v1/chat/completions", stream);
            assertThat(r.body()).contains("data: [DONE]");
            assertThat(openai.lastRequest().headers().get("accept")).isEqualTo("text/event-stream");
            assertThat(openai.lastRequest().body()).as("a stream asks for usage, added last")
                    .isEqualTo(stream.replace("\"openai/gpt-4o-mini\"", "\"gpt-4o-mini\"")
                            .replace("]} }\n", "]} ,\"stream_options\":{\"include_usage\":true}}\n"));
            String own = stream.replace("\"stream\":true,", "\"stream\":true,\"stream_options\" : {\"include_usage\":false, \"x\":1},");
            gw.post("/v1/chat/completions", own);
            assertThat(openai.lastRequest().body()).as("the client's stream options, with usage asked for, in their place")
                    .isEqualTo(own.replace("\"openai/gpt-4o-mini\"", "\"gpt-4o-mini\"")
                            .replace("{\"include_usage\":false, \"x\":1}", "{\"include_usage\":true,\"x\":1}"));

            String hints = java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString("{\"qos\":{\"class\":\"batch\"}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            r = TestGateway.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                    .header("authorization", "Bearer " + gw.adminKey()).header("Agent-Hints", hints)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(request)).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(openai.lastRequest().body()).as("background work takes the flex tier, added last")
                    .isEqualTo(sent.replace("]} }\n", "]} ,\"service_tier\":\"flex\"}\n"));

            byte[] bom = ("\uFEFF" + request).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(gw.post("/v1/chat/completions", bom, gw.adminKey()).statusCode()).isEqualTo(200);
            assertThat(openai.lastRequest().body()).as("a body after a byte-order mark is written from its parse")
                    .isEqualTo(new String(ai.zumik.json.Json.bytes(ai.zumik.json.Json.parse(
                            sent.getBytes(java.nio.charset.StandardCharsets.UTF_8))), java.nio.charset.StandardCharsets.UTF_8));

            String embed = "{\"input\" : [\"caf\\u00e9\", \"b\"],\t\"model\":\"openai/text-embedding-3-small\" }";
            assertThat(gw.post("/v1/embeddings", embed).statusCode()).isEqualTo(200);
            assertThat(openai.lastRequest().body()).isEqualTo(embed.replace("openai/text-embedding-3-small", "text-embedding-3-small"));
        }
    }

    @Test
    void providerPrefixesReachTheirOwnEndpointsWithTheProviderModelId() throws Exception {
        try (FakeProvider xai = FakeProvider.start();
             FakeProvider fireworks = FakeProvider.startAt("/inference/v1");
             TestGateway gw = TestGateway.start("XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", "xai-key-1234567",
                     "FIREWORKS_BASE_URL", fireworks.baseUrl(), "FIREWORKS_API_KEY", "fw_key_1234567")) {
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"x-ai/grok-3-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(xai.lastRequest().json().get("model").asText()).isEqualTo("grok-3-mini");
            assertThat(xai.lastRequest().headers().get("authorization")).isEqualTo("Bearer xai-key-1234567");
            assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("xai");

            fireworks.enqueue(new Script.Reply(200, Map.of("content-type", "application/json",
                    "fireworks-cached-prompt-tokens", "640"), "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,"
                    + "\"model\":\"accounts/fireworks/models/deepseek-v3\",\"choices\":[{\"index\":0,\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":700,\"completion_tokens\":2,\"total_tokens\":702}}"));
            r = gw.post("/v1/chat/completions", "{\"model\":\"fireworks/accounts/fireworks/models/deepseek-v3\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(fireworks.lastRequest().path()).isEqualTo("/inference/v1/chat/completions");
            assertThat(fireworks.lastRequest().json().get("model").asText()).isEqualTo("accounts/fireworks/models/deepseek-v3");
            assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("fireworks_ai");
            JsonNode usage = usageOf(gw, r.headers().firstValue("agent-response-id").orElseThrow());
            assertThat(usage.at("/usage/cached_tokens").asLong()).as("Fireworks reports cache hits in a header").isEqualTo(640);
            assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(700);
        }
    }

    @Test
    void bifrostReceivesEveryManagedRequestAsProviderSlashModel() throws Exception {
        try (FakeProvider bifrost = FakeProvider.start();
             TestGateway gw = TestGateway.start("BIFROST_BASE_URL", bifrost.rootUrl(), "OPENAI_API_KEY", "sk-unused-123456")) {
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(bifrost.lastRequest().path()).isEqualTo("/v1/chat/completions");
            assertThat(bifrost.lastRequest().json().get("model").asText())
                    .isEqualTo("fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct");
            assertThat(bifrost.lastRequest().headers().get("authorization")).as("provider keys stay with Bifrost").isNull();
            r = gw.post("/v1/chat/completions", "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(bifrost.lastRequest().json().get("model").asText()).isEqualTo("gemini/gemini-2.5-flash");
            assertThat(r.headers().firstValue("agent-execution-mode")).hasValue("live");
            assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("gemini");
            r = gw.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(bifrost.lastRequest().path()).isEqualTo("/v1/embeddings");
            assertThat(bifrost.lastRequest().json().get("model").asText()).isEqualTo("openai/text-embedding-3-small");
        }
    }

    @Test
    void placeholderOnlyWhenNothingIsConfiguredNeverForAFailingProvider() throws Exception {
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-abcdef123456")) {
            openai.enqueue(new Script.Reset(), new Script.Reset()); // the only target is retried once
            HttpResponse<String> failing = gw.post("/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(failing.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(failing.body()).at("/error/code").asText()).isEqualTo("provider_unavailable");
            assertThat(failing.body()).doesNotContain("127.0.0.1").doesNotContain("sk-abcdef");
            assertThat(failing.headers().firstValue("agent-execution-mode")).hasValue("live");

            HttpResponse<String> unconfigured = gw.post("/v1/chat/completions",
                    "{\"model\":\"grok-3\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}");
            assertThat(unconfigured.statusCode()).isEqualTo(200);
            assertThat(unconfigured.headers().firstValue("agent-execution-mode")).hasValue("placeholder");
            String content = JSON.readTree(unconfigured.body()).at("/choices/0/message/content").asText();
            assertThat(content).contains("ping").contains("xai/grok-3");
            HttpResponse<String> again = gw.post("/v1/chat/completions",
                    "{\"model\":\"grok-3\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}");
            assertThat(JSON.readTree(again.body()).at("/choices/0/message/content").asText())
                    .as("placeholder output is deterministic").isEqualTo(content);
        }
    }

    @Test
    void upstreamErrorsKeepTheProviderMessageButNeverItsSecrets() throws Exception {
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-abcdef123456")) {
            openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 "
                    + "tokens. However, your messages resulted in 200000 tokens.\",\"type\":\"invalid_request_error\","
                    + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode err = JSON.readTree(r.body()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("context_length_exceeded");
            assertThat(err.get("message").asText()).contains("maximum context length is 128000");

            openai.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-abcdef123456. "
                    + "You can find your API key at https://platform.openai.com/account/api-keys.\","
                    + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));
            r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).as("Zumik's managed key failing is not the caller's 401").isEqualTo(502);
            assertThat(r.body()).doesNotContain("sk-abcdef").doesNotContain("platform.openai.com");
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("provider_auth_failed");

            openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"Bad value for key sk-proj-abcdefghijkl at https://x.y/z\","
                    + "\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_value\"}}"));
            r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            err = JSON.readTree(r.body()).get("error");
            assertThat(err.get("param").asText()).isEqualTo("temperature");
            assertThat(err.get("code").asText()).isEqualTo("invalid_value");
            assertThat(err.get("message").asText()).doesNotContain("sk-proj").doesNotContain("https://");
        }
    }

    static JsonNode usageOf(TestGateway gw, String responseId) throws Exception {
        for (int i = 0; i < 50; i++) {
            for (JsonNode e : JSON.readTree(gw.get("/v2/usage").body()).get("data")) {
                if (e.get("response_id").asText().equals(responseId)) return e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no usage event for " + responseId);
    }
}
