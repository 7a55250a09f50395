package ai.zumik.provider.anthropic;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link FakeProvider} speaking Anthropic's Messages wire format: by default it echoes the last
 * user text as {@code message} JSON or as Anthropic's SSE event sequence; tests queue recorded
 * transcripts, messages and errors for anything else.
 */
public final class AnthropicFake {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnthropicFake() {}

    /** Serves under {@code /v1} like {@code https://api.anthropic.com/v1}. */
    public static FakeProvider start() {
        return FakeProvider.start("/v1", AnthropicFake::echo);
    }

    public static Script.Reply message(String content, String stopReason, String usage) {
        return Script.json("{\"id\":\"msg_01Fake\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"content\":" + content + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":" + usage + "}");
    }

    public static Script.Reply error(int status, String type, String message, String... headerPairs) {
        Map<String, String> headers = new java.util.HashMap<>(FakeProvider.headers(headerPairs));
        headers.put("content-type", "application/json");
        return new Script.Reply(status, headers, "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":"
                + Script.quote(message) + "},\"request_id\":\"req_011Fake\"}");
    }

    /** A recorded transcript from {@code src/test/resources/anthropic/}, sent as one write. */
    public static Script.Stream transcript(String name) {
        return Script.sse(Script.raw(AnthropicFixtures.resource(name)));
    }

    /**
     * A recorded stream sent in two parts, {@code pauseMs} apart, split before {@code marker}: what
     * came before reaches the client before what follows, as it does when a provider fails
     * mid-answer (sent whole, both could land in one read, before any byte reached the client).
     */
    public static Script.Stream transcript(String name, String marker, long pauseMs) {
        String all = AnthropicFixtures.resource(name);
        int at = all.indexOf(marker);
        return Script.sse(Script.raw(all.substring(0, at)), new Script.Delay(pauseMs), Script.raw(all.substring(at)));
    }

    public static String event(String type, String json) {
        return "event: " + type + "\ndata: " + json + "\n\n";
    }

    public static String messageStart(String usage) {
        return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Fake\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":" + usage + "}}");
    }

    public static String textStart(int index) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    public static String textDelta(int index, String text) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"text_delta\",\"text\":" + Script.quote(text) + "}}");
    }

    public static String blockStop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    public static String messageEnd(String stopReason, String usage) {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                + "\",\"stop_sequence\":null},\"usage\":" + usage + "}") + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    private static Script echo(FakeProvider.Received r) {
        if (!r.path().equals("/v1/messages")) return error(404, "not_found_error", "Not found: " + r.path());
        JsonNode req;
        try {
            req = JSON.readTree(r.body());
        } catch (Exception e) {
            return error(400, "invalid_request_error", "There was an error parsing the body of your request");
        }
        String last = "";
        for (JsonNode m : req.path("messages")) {
            if (!"user".equals(m.path("role").asText())) continue;
            StringBuilder sb = new StringBuilder();
            for (JsonNode b : m.path("content")) if ("text".equals(b.path("type").asText())) sb.append(b.path("text").asText());
            last = sb.toString();
        }
        String text = "echo: " + last;
        if (!req.path("stream").asBoolean()) {
            return message("[{\"type\":\"text\",\"text\":" + Script.quote(text) + "}]", "end_turn",
                    "{\"input_tokens\":11,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":7}");
        }
        List<Script.Step> steps = new ArrayList<>();
        steps.add(Script.raw(messageStart("{\"input_tokens\":11,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":1}") + textStart(0)));
        for (String word : text.split("(?<= )")) steps.add(Script.raw(textDelta(0, word)));
        steps.add(Script.raw(blockStop(0) + messageEnd("end_turn", "{\"output_tokens\":7}")));
        return Script.sse(steps.toArray(Script.Step[]::new));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
