package ai.zumik.provider.gemini;

import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI embeddings ↔ Gemini {@code embedContent} (one input) and {@code batchEmbedContents}
 * (several, at most 100 per call, Gemini's limit).
 *
 * <ul>
 *   <li>Token-id inputs cannot be sent: Gemini embeds text only.
 *   <li>{@code dimensions} → {@code outputDimensionality}. Gemini truncates its vector and, below
 *       the native size, does not re-normalise it; OpenAI's shortened vectors have unit length, so
 *       a vector requested with {@code dimensions} is normalised here.
 *   <li>Usage: Gemini reports no tokens for embeddings, so usage stays "not reported" internally and
 *       the OpenAI body, which requires integers, says {@code prompt_tokens: 0, total_tokens: 0}
 *       (a {@code usageMetadata.promptTokenCount}, should Gemini send one, is used instead).
 * </ul>
 */
final class GeminiEmbeddings {
    static final int MAX_INPUTS = 100;
    private static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    /** Where to send the request and what. */
    record Call(String method, ObjectNode body) {}

    private GeminiEmbeddings() {}

    /** @throws RequestRejected naming the field Gemini cannot honour */
    static Call request(EmbeddingRequest r, String model) {
        for (Iterator<Map.Entry<String, JsonNode>> it = r.body().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!FIELDS.contains(f.getKey()) && !f.getValue().isNull()) {
                throw RequestRejected.unsupported(f.getKey(), "gemini", "Gemini has no equivalent");
            }
        }
        JsonNode input = r.body().get("input");
        if (input.isArray()) {
            for (JsonNode item : input) {
                if (!item.isTextual()) throw RequestRejected.unsupported("input", "gemini", "token ids; Gemini embeds text only");
            }
        }
        if (r.inputs().size() > MAX_INPUTS) {
            throw RequestRejected.unsupported("input", "gemini", "more than " + MAX_INPUTS + " inputs per request");
        }
        if (r.inputs().size() == 1) {
            ObjectNode body = Json.object();
            content(body, r.inputs().getFirst());
            if (r.dimensions() != null) body.put("outputDimensionality", r.dimensions());
            return new Call(":embedContent", body);
        }
        ObjectNode body = Json.object();
        ArrayNode requests = body.putArray("requests");
        for (String text : r.inputs()) {
            ObjectNode req = requests.addObject();
            req.put("model", "models/" + model);
            content(req, text);
            if (r.dimensions() != null) req.put("outputDimensionality", r.dimensions());
        }
        return new Call(":batchEmbedContents", body);
    }

    private static void content(ObjectNode target, String text) {
        target.putObject("content").putArray("parts").addObject().put("text", text);
    }

    static StreamEvent response(JsonNode root, EmbeddingRequest r, String model) {
        JsonNode vectors = root.has("embedding") ? Json.array().add(root.get("embedding")) : root.get("embeddings");
        if (vectors == null || vectors.size() != r.inputs().size()) {
            return StreamEvent.Failed.malformed("Gemini returned " + (vectors == null ? 0 : vectors.size())
                    + " embeddings for " + r.inputs().size() + " inputs.");
        }
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode values = vectors.get(i).get("values");
            if (values == null || !values.isArray()) {
                return StreamEvent.Failed.malformed("Gemini returned an embedding without values.");
            }
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            vector(item, values, r);
        }
        out.put("model", model);
        Long tokens = Json.longOrNull(root.get("usageMetadata"), "promptTokenCount");
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", tokens == null ? 0 : tokens);
        usage.put("total_tokens", tokens == null ? 0 : tokens);
        return new StreamEvent.Completion(Json.bytes(out),
                tokens == null ? Usage.UNREPORTED : new Usage(tokens, null, null, null, null));
    }

    private static void vector(ObjectNode item, JsonNode values, EmbeddingRequest r) {
        if (r.dimensions() == null && !r.base64()) {
            item.set("embedding", values); // Gemini's numbers, exactly as sent
            return;
        }
        float[] v = new float[values.size()];
        for (int k = 0; k < v.length; k++) v[k] = values.get(k).floatValue();
        if (r.dimensions() != null) normalise(v);
        if (r.base64()) {
            ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) bb.putFloat(f);
            item.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
        } else {
            ArrayNode arr = item.putArray("embedding");
            for (float f : v) arr.add(f);
        }
    }

    private static void normalise(float[] v) {
        double norm = 0;
        for (float f : v) norm += (double) f * f;
        if (norm == 0) return;
        double scale = 1 / Math.sqrt(norm);
        for (int k = 0; k < v.length; k++) v[k] = (float) (v[k] * scale);
    }
}
