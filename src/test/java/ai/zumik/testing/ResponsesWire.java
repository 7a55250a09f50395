package ai.zumik.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's Responses API as the fake speaks it: a Response object, or the typed event stream
 * ({@code event: <type>} then {@code data: {"type":…,"sequence_number":…}}), shaped after recorded
 * OpenAI transcripts. The echo answers "echo: " + the last user text.
 */
public final class ResponsesWire {
    private ResponsesWire() {}

    static String lastUserText(JsonNode req) {
        JsonNode input = req.path("input");
        if (input.isTextual()) return input.textValue();
        String last = "";
        for (JsonNode item : input) {
            if (!"user".equals(item.path("role").asText())) continue;
            JsonNode c = item.path("content");
            if (c.isTextual()) last = c.textValue();
            else for (JsonNode p : c) if (p.path("type").asText().equals("input_text")) last = p.path("text").asText();
        }
        return last;
    }

    /** The Response object, {@code status} and output as given. */
    public static String response(String id, String model, String status, String outputJson, String usageJson) {
        return "{\"id\":\"" + id + "\",\"object\":\"response\",\"created_at\":1751642570,\"status\":\"" + status + "\","
                + "\"background\":false,\"error\":null,\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,"
                + "\"max_tool_calls\":null,\"model\":\"" + model + "\",\"output\":" + outputJson + ",\"parallel_tool_calls\":true,"
                + "\"previous_response_id\":null,\"prompt_cache_key\":null,\"reasoning\":{\"effort\":null,\"summary\":null},"
                + "\"safety_identifier\":null,\"service_tier\":\"default\",\"store\":false,\"temperature\":1.0,"
                + "\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"},\"tool_choice\":\"auto\",\"tools\":[],"
                + "\"top_logprobs\":0,\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":" + usageJson + ",\"user\":null,\"metadata\":{}}";
    }

    public static String message(String text, String status) {
        return "{\"id\":\"msg_up1\",\"type\":\"message\",\"status\":\"" + status + "\",\"content\":[{\"type\":\"output_text\","
                + "\"annotations\":[],\"logprobs\":[],\"text\":" + Script.quote(text) + "}],\"role\":\"assistant\"}";
    }

    public static String usage(long in, long out, long cached, long reasoning) {
        return "{\"input_tokens\":" + in + ",\"input_tokens_details\":{\"cached_tokens\":" + cached + ",\"cache_write_tokens\":0},\"output_tokens\":" + out
                + ",\"output_tokens_details\":{\"reasoning_tokens\":" + reasoning + "},\"total_tokens\":" + (in + out) + "}";
    }

    static Script echo(JsonNode req) {
        String model = req.path("model").asText();
        String text = "echo: " + lastUserText(req);
        if (!req.path("stream").asBoolean()) {
            return Script.json(response("resp_up1", model, "completed", "[" + message(text, "completed") + "]", usage(12, 6, 0, 0)));
        }
        Events e = new Events(model).created().messageStart();
        for (String word : text.split("(?<= )")) e.delta(word);
        return e.messageDone(text).completed(text, usage(12, 6, 0, 0)).build();
    }

    /** Builds a Responses event stream step by step. */
    public static final class Events {
        private final String model;
        private final List<Script.Step> steps = new ArrayList<>();
        private int seq;

        public Events(String model) {
            this.model = model;
        }

        private Events event(String type, String fields) {
            steps.add(Script.raw("event: " + type + "\ndata: {\"type\":\"" + type + "\",\"sequence_number\":" + seq++
                    + (fields.isEmpty() ? "" : "," + fields) + "}\n\n"));
            return this;
        }

        public Events created() {
            event("response.created", "\"response\":" + response("resp_up1", model, "in_progress", "[]", "null"));
            return event("response.in_progress", "\"response\":" + response("resp_up1", model, "in_progress", "[]", "null"));
        }

        public Events messageStart() {
            event("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"msg_up1\",\"type\":\"message\","
                    + "\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}");
            return event("response.content_part.added", "\"item_id\":\"msg_up1\",\"output_index\":0,\"content_index\":0,"
                    + "\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"\"}");
        }

        public Events delta(String text) {
            return event("response.output_text.delta", "\"item_id\":\"msg_up1\",\"output_index\":0,\"content_index\":0,"
                    + "\"delta\":" + Script.quote(text) + ",\"logprobs\":[]");
        }

        public Events messageDone(String text) {
            event("response.output_text.done", "\"item_id\":\"msg_up1\",\"output_index\":0,\"content_index\":0,\"text\":"
                    + Script.quote(text) + ",\"logprobs\":[]");
            event("response.content_part.done", "\"item_id\":\"msg_up1\",\"output_index\":0,\"content_index\":0,"
                    + "\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":" + Script.quote(text) + "}");
            return event("response.output_item.done", "\"output_index\":0,\"item\":" + message(text, "completed"));
        }

        public Events completed(String text, String usageJson) {
            return event("response.completed", "\"response\":" + response("resp_up1", model, "completed",
                    "[" + message(text, "completed") + "]", usageJson));
        }

        public Events failed(String code, String message) {
            return event("response.failed", "\"response\":" + response("resp_up1", model, "failed", "[]", "null")
                    .replace("\"error\":null", "\"error\":{\"code\":\"" + code + "\",\"message\":" + Script.quote(message) + "}"));
        }

        public Events step(Script.Step s) {
            steps.add(s);
            return this;
        }

        public Script.Stream build() {
            return Script.sse(steps.toArray(Script.Step[]::new));
        }
    }
}
