package ai.zumik.v1.batches;

import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * One line of a batch's output or error file, in OpenAI's shape:
 * <pre>
 *   {"id":"batch_req_…","custom_id":"…","response":{"status_code":200,"request_id":"rsp_…","body":{…}},"error":null}
 *   {"id":"batch_req_…","custom_id":"…","response":null,"error":{"code":"…","message":"…"}}
 * </pre>
 * {@code body} is the endpoint's answer as stored, written as it is unless it spans lines (a
 * pretty-printed upstream body), which JSONL cannot hold: then it is re-written compactly, the
 * same JSON value.
 */
final class OutputLines {
    private OutputLines() {}

    static void write(OutputStream out, BatchStore.DoneLine l) {
        try {
            JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("id", Ids.next("batch_req_"));
            g.writeStringField("custom_id", l.customId());
            if (l.statusCode() != null) {
                g.writeObjectFieldStart("response");
                g.writeNumberField("status_code", l.statusCode());
                g.writeStringField("request_id", l.requestId());
                g.writeFieldName("body");
                g.writeRawValue(oneLine(l.response()));
                g.writeEndObject();
                g.writeNullField("error");
            } else {
                g.writeNullField("response");
                g.writeObjectFieldStart("error");
                g.writeStringField("code", l.errorCode());
                g.writeStringField("message", l.errorMessage());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.flush();
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String oneLine(String body) throws IOException {
        if (body.indexOf('\n') < 0 && body.indexOf('\r') < 0) return body;
        return Json.text(Json.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
