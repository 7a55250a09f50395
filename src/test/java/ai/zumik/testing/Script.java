package ai.zumik.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a {@link FakeProvider} does with the next request. */
public sealed interface Script {

    /** Answers with a status, headers and a body written in one piece. */
    record Reply(int status, Map<String, String> headers, String body) implements Script {}

    /** Streams SSE step by step (each step flushed on its own), then ends unless a step cut or hung. */
    record Stream(Map<String, String> headers, List<Step> steps) implements Script {}

    /** Never answers (the connection stays open). */
    record Hang() implements Script {}

    /** Closes the connection as soon as the request arrives (a TCP reset from the client's view). */
    record Reset() implements Script {}

    /** One step of a {@link Stream}. */
    sealed interface Step {}

    /** Writes these bytes as one TCP write. */
    record Bytes(byte[] bytes) implements Step {}

    record Delay(long millis) implements Step {}

    /** Closes the connection abruptly mid-stream. */
    record Cut() implements Step {}

    /** Stops sending but keeps the connection open. */
    record Stall() implements Step {}

    static Reply json(int status, String body) {
        return new Reply(status, Map.of("content-type", "application/json"), body);
    }

    static Reply json(String body) {
        return json(200, body);
    }

    static Step data(String json) {
        return new Bytes(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    static Step raw(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    static Step done() {
        return raw("data: [DONE]\n\n");
    }

    /** A stream with {@code text/event-stream} headers; steps are {@link Step}s. */
    static Stream sse(Step... steps) {
        return new Stream(Map.of("content-type", "text/event-stream"), List.of(steps));
    }

    static Stream sse(Map<String, String> headers, List<Step> steps) {
        Map<String, String> h = new java.util.HashMap<>(headers);
        h.putIfAbsent("content-type", "text/event-stream");
        return new Stream(h, steps);
    }

    /** Builds OpenAI-shaped chunks for tests that do not care about exact bytes. */
    final class Chunks {
        private final List<Step> steps = new ArrayList<>();
        private final String model;

        public Chunks(String model) {
            this.model = model;
        }

        private String head() {
            return "{\"id\":\"chatcmpl-up1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                    + "\",\"system_fingerprint\":\"fp_test\",";
        }

        public Chunks role() {
            steps.add(data(head() + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}"));
            return this;
        }

        public Chunks text(String text) {
            steps.add(data(head() + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(text)
                    + "},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}"));
            return this;
        }

        public Chunks finish(String reason) {
            steps.add(data(head() + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\""
                    + reason + "\"}],\"usage\":null}"));
            return this;
        }

        public Chunks usage(long prompt, long completion, long cached) {
            steps.add(data(head() + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":"
                    + completion + ",\"total_tokens\":" + (prompt + completion) + ",\"prompt_tokens_details\":{\"cached_tokens\":"
                    + cached + ",\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                    + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}"));
            return this;
        }

        public Chunks step(Step s) {
            steps.add(s);
            return this;
        }

        public Chunks delay(long ms) {
            steps.add(new Delay(ms));
            return this;
        }

        public Chunks done() {
            steps.add(Script.done());
            return this;
        }

        public Stream build() {
            return sse(steps.toArray(Step[]::new));
        }

        public Stream build(Map<String, String> headers) {
            return sse(headers, steps);
        }
    }

    /**
     * {@code bytes} as separate TCP writes {@code delayMs} apart, cut in the middle of the UTF-8
     * encoding of each of {@code characters} (the first occurrence of each, in order), so every
     * write but the last ends mid-character.
     */
    static List<Step> splitInside(byte[] bytes, long delayMs, String... characters) {
        List<Step> out = new ArrayList<>();
        int from = 0;
        for (String c : characters) {
            byte[] needle = c.getBytes(StandardCharsets.UTF_8);
            int cut = indexOf(bytes, needle, from) + needle.length / 2;
            out.add(new Bytes(java.util.Arrays.copyOfRange(bytes, from, cut)));
            out.add(new Delay(delayMs));
            from = cut;
        }
        out.add(new Bytes(java.util.Arrays.copyOfRange(bytes, from, bytes.length)));
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found: " + new String(needle, StandardCharsets.UTF_8));
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
