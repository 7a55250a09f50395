package ai.zumik.provider.gemini;

import static ai.zumik.provider.gemini.GeminiRequestTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeminiEmbeddingsTest {
    private static final String MODEL = "gemini-embedding-001";

    private static EmbeddingRequest request(String body, List<String> inputs, boolean base64, Integer dims) {
        return new EmbeddingRequest((ObjectNode) json(body), "gemini/" + MODEL, inputs, base64, dims, null);
    }

    private static JsonNode body(StreamEvent e) {
        try {
            return Json.parse(((StreamEvent.Completion) e).json());
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void oneInputIsAnEmbedContentCall() {
        GeminiEmbeddings.Call c = GeminiEmbeddings.request(request("{'model':'x','input':'hello','dimensions':8}",
                List.of("hello"), false, 8), MODEL);
        assertThat(c.method()).isEqualTo(":embedContent");
        assertThat(c.body()).isEqualTo(json("{'content':{'parts':[{'text':'hello'}]},'outputDimensionality':8}"));
    }

    @Test
    void severalInputsAreOneBatchEmbedContentsCall() {
        GeminiEmbeddings.Call c = GeminiEmbeddings.request(request("{'model':'x','input':['a','b'],'user':'u'}",
                List.of("a", "b"), false, null), MODEL);
        assertThat(c.method()).isEqualTo(":batchEmbedContents");
        assertThat(c.body()).isEqualTo(json("{'requests':[{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'a'}]}},"
                + "{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'b'}]}}]}"));
    }

    @Test
    void tokenIdsTooManyInputsAndUnknownFieldsAreRejected() {
        assertThat(catchThrowableOfType(RequestRejected.class, () -> GeminiEmbeddings.request(
                request("{'model':'x','input':[1,2,3]}", List.of("[1,2,3]"), false, null), MODEL)).param()).isEqualTo("input");
        assertThat(catchThrowableOfType(RequestRejected.class, () -> GeminiEmbeddings.request(
                request("{'model':'x','input':[[1,2],[3]]}", List.of("[1,2]", "[3]"), false, null), MODEL)).param()).isEqualTo("input");
        List<String> many = java.util.Collections.nCopies(101, "t");
        assertThat(catchThrowableOfType(RequestRejected.class, () -> GeminiEmbeddings.request(
                request("{'model':'x','input':'t'}", many, false, null), MODEL)).getMessage()).contains("100");
        assertThat(catchThrowableOfType(RequestRejected.class, () -> GeminiEmbeddings.request(
                request("{'model':'x','input':'t','task':'retrieval'}", List.of("t"), false, null), MODEL)).param()).isEqualTo("task");
    }

    @Test
    void floatVectorsPassThroughExactlyAndUsageIsNotReported() {
        StreamEvent e = GeminiEmbeddings.response(json("{'embeddings':[{'values':[0.1,-0.25]},{'values':[0.5,0.125]}]}"),
                request("{'model':'x','input':['a','b']}", List.of("a", "b"), false, null), MODEL);
        assertThat(body(e)).isEqualTo(json("{'object':'list','data':[{'object':'embedding','index':0,'embedding':[0.1,-0.25]},"
                + "{'object':'embedding','index':1,'embedding':[0.5,0.125]}],'model':'gemini-embedding-001',"
                + "'usage':{'prompt_tokens':0,'total_tokens':0}}"));
        assertThat(((StreamEvent.Completion) e).usage().reported()).isFalse();
    }

    @Test
    void base64IsLittleEndianFloat32AndShortenedVectorsAreNormalised() {
        StreamEvent e = GeminiEmbeddings.response(json("{'embedding':{'values':[3.0,4.0]}}"),
                request("{'model':'x','input':'a','encoding_format':'base64','dimensions':2}", List.of("a"), true, 2), MODEL);
        byte[] bytes = Base64.getDecoder().decode(body(e).at("/data/0/embedding").asText());
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes).hasSize(8);
        assertThat(bb.getFloat()).isCloseTo(0.6f, within(1e-6f));
        assertThat(bb.getFloat()).isCloseTo(0.8f, within(1e-6f));
    }

    @Test
    void aCountMismatchIsAMalformedResponse() {
        StreamEvent e = GeminiEmbeddings.response(json("{'embeddings':[{'values':[1]}]}"),
                request("{'model':'x','input':['a','b']}", List.of("a", "b"), false, null), MODEL);
        assertThat(((StreamEvent.Failed) e).failure().failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
    }
}
