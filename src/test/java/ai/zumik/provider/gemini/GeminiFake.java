package ai.zumik.provider.gemini;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link FakeProvider} speaking the Gemini API under {@code /v1beta}: {@code :generateContent}
 * echoes the last user text, {@code :streamGenerateContent?alt=sse} streams it word by word as
 * Gemini does (CRLF-separated events, no terminator, finishReason and full usage on the last),
 * and the embedding methods answer with small vectors. A wrong or missing
 * {@code x-goog-api-key} is answered the way Gemini answers it: 400 with {@code API_KEY_INVALID}.
 */
public final class GeminiFake {
    public static final String KEY = "AIzaSyFAKEgeminiKEY-0123456789abcdefghij";
    private static final ObjectMapper JSON = new ObjectMapper();

    private GeminiFake() {}

    public static FakeProvider start() {
        return FakeProvider.start("/v1beta", GeminiFake::answer);
    }

    private static Script answer(FakeProvider.Received r) {
        if (!KEY.equals(r.headers().get("x-goog-api-key"))) {
            return Script.json(400, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
                    + "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
                    + "\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\"}]}}");
        }
        JsonNode body = r.json();
        if (r.path().endsWith(":embedContent")) return Script.json("{\"embedding\":{\"values\":[0.1,-0.2,0.3]}}");
        if (r.path().endsWith(":batchEmbedContents")) {
            StringBuilder sb = new StringBuilder("{\"embeddings\":[");
            for (int i = 0; i < body.get("requests").size(); i++) sb.append(i == 0 ? "" : ",").append("{\"values\":[").append(i).append(".5,0.25]}");
            return Script.json(sb.append("]}").toString());
        }
        String last = "";
        for (JsonNode c : body.path("contents")) {
            if ("user".equals(c.path("role").asText())) {
                for (JsonNode p : c.path("parts")) if (p.has("text")) last = p.get("text").asText();
            }
        }
        String text = "echo: " + last;
        if (r.path().contains(":streamGenerateContent")) {
            List<String> words = new ArrayList<>();
            for (String w : text.split("(?<= )")) words.add(w);
            List<Script.Step> steps = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                boolean end = i == words.size() - 1;
                steps.add(event(candidate(words.get(i), end ? "STOP" : null), usage(12, end ? 5 : i + 1, 0, 0)));
            }
            return Script.sse(Map.of("content-type", "text/event-stream"), steps);
        }
        return Script.json(response(candidate(text, "STOP"), usage(12, 5, 0, 0)));
    }

    public static ObjectNode candidate(String text, String finish) {
        ObjectNode c = JSON.createObjectNode();
        ObjectNode content = c.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        content.put("role", "model");
        if (finish != null) c.put("finishReason", finish);
        c.put("index", 0);
        return c;
    }

    public static ObjectNode call(String name, String argsJson, String signature) {
        ObjectNode part = JSON.createObjectNode();
        ObjectNode fc = part.putObject("functionCall");
        fc.put("name", name);
        try {
            fc.set("args", JSON.readTree(argsJson));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        if (signature != null) part.put("thoughtSignature", signature);
        return part;
    }

    public static ObjectNode withParts(String finish, ObjectNode... parts) {
        ObjectNode c = JSON.createObjectNode();
        ObjectNode content = c.putObject("content");
        ArrayNode ps = content.putArray("parts");
        for (ObjectNode p : parts) ps.add(p);
        content.put("role", "model");
        if (finish != null) c.put("finishReason", finish);
        c.put("index", 0);
        return c;
    }

    public static ObjectNode usage(int prompt, int candidates, int thoughts, int cached) {
        ObjectNode u = JSON.createObjectNode();
        u.put("promptTokenCount", prompt);
        if (candidates > 0) u.put("candidatesTokenCount", candidates);
        u.put("totalTokenCount", prompt + candidates + thoughts);
        if (cached > 0) u.put("cachedContentTokenCount", cached);
        if (thoughts > 0) u.put("thoughtsTokenCount", thoughts);
        return u;
    }

    public static String response(ObjectNode candidate, ObjectNode usage) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("candidates").add(candidate);
        root.set("usageMetadata", usage);
        root.put("modelVersion", "gemini-2.5-flash");
        root.put("responseId", "fakeResponse01");
        return root.toString();
    }

    /** One SSE event exactly as Gemini frames it. */
    public static Script.Step event(ObjectNode candidate, ObjectNode usage) {
        return Script.raw("data: " + response(candidate, usage) + "\r\n\r\n");
    }
}
