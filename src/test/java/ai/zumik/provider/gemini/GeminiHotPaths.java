package ai.zumik.provider.gemini;

import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import java.nio.charset.StandardCharsets;

/**
 * The Gemini translators' hot paths for the JMH benchmarks in {@code ai.zumik.bench}, which live in
 * another package: exactly what {@link GeminiAdapter} calls, nothing widened in production.
 */
public final class GeminiHotPaths {
    private GeminiHotPaths() {}

    /** The canonical request → the generateContent request body bytes, as the adapter sends them. */
    public static byte[] requestBytes(ChatRequest request, String model) {
        return GeminiRequest.bytes(request, model);
    }

    /** A stream translator past its first event (the role chunk is sent), so each text event gives one chunk. */
    public static final class Stream {
        private final GeminiStream stream;
        private byte[] last;

        public Stream(String model) {
            stream = new GeminiStream(model, "AIzaSyBENCHKEY000000000000000000000000");
            event(("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I'll\"}],\"role\":\"model\"},\"index\":0}],"
                    + "\"usageMetadata\":{\"promptTokenCount\":2095,\"totalTokenCount\":2095},\"modelVersion\":\"" + model + "\","
                    + "\"responseId\":\"mKZ3aOCgM9XyvdIPk7m34Ao\"}").getBytes(StandardCharsets.UTF_8));
        }

        /** One SSE event's data → the last chunk it produced (null if none), through the adapter's entry point. */
        public byte[] event(byte[] data) {
            last = null;
            UpstreamFailure f = stream.accept(data, data.length, this::take);
            if (f != null) throw new IllegalStateException("the benchmark stream failed: " + f.message());
            return last;
        }

        private void take(StreamEvent e) {
            last = ((StreamEvent.Chunk) e).json();
        }
    }
}
