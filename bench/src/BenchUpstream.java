import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;

/**
 * A fast fake OpenAI upstream for benchmarks: a fixed ~400-byte completion, or a stream of N
 * chat.completion.chunk events (each its own write and flush) plus a usage chunk and [DONE],
 * optionally with a delay between chunks; on {@code /v1/responses} the same as OpenAI's Responses
 * API (a Response object, or its typed events). It does as little work as possible so the measurement
 * is about the gateway in front of it.
 *
 * Usage: java -cp zumik.jar:classes BenchUpstream PORT [CHUNKS=20] [CHUNK_DELAY_MS=0] [EVENT_LOOPS=1] [ANSWER_DELAY_MS=0]
 * (ANSWER_DELAY_MS: how long a non-stream completion takes, as a provider's would).
 */
public final class BenchUpstream {
    static final Buffer COMPLETION = Buffer.buffer("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"The quick brown fox jumps over the lazy dog, twice, for the benchmark.\",\"refusal\":null,"
            + "\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":24,"
            + "\"completion_tokens\":16,\"total_tokens\":40,\"prompt_tokens_details\":{\"cached_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_bench\"}");
    static final Buffer CHUNK = Buffer.buffer("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\" token\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    static final Buffer LAST = Buffer.buffer("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
            + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":24,"
            + "\"completion_tokens\":20,\"total_tokens\":44}}\n\ndata: [DONE]\n\n");

    /** OpenAI's Responses API: the Response object, and the typed events of a stream. */
    static final String RESPONSE_HEAD = "{\"id\":\"resp_bench\",\"object\":\"response\",\"created_at\":1700000000,"
            + "\"status\":\"%s\",\"background\":false,\"error\":null,\"incomplete_details\":null,\"instructions\":null,"
            + "\"max_output_tokens\":null,\"model\":\"gpt-4o-mini\",\"output\":%s,\"parallel_tool_calls\":true,"
            + "\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"service_tier\":\"default\","
            + "\"store\":false,\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\","
            + "\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":%s,\"metadata\":{}}";
    static final String MESSAGE = "[{\"id\":\"msg_bench\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],"
            + "\"text\":\"The quick brown fox jumps over the lazy dog, twice, for the benchmark.\"}]}]";
    static final String USAGE = "{\"input_tokens\":24,\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0},"
            + "\"output_tokens\":16,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":40}";
    static final Buffer RESPONSE = Buffer.buffer(String.format(RESPONSE_HEAD, "completed", MESSAGE, USAGE));
    static final Buffer RESPONSE_START = Buffer.buffer(
            event("response.created", 0, "\"response\":" + String.format(RESPONSE_HEAD, "in_progress", "[]", "null"))
            + event("response.in_progress", 1, "\"response\":" + String.format(RESPONSE_HEAD, "in_progress", "[]", "null"))
            + event("response.output_item.added", 2, "\"output_index\":0,\"item\":{\"id\":\"msg_bench\",\"type\":\"message\","
                    + "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}")
            + event("response.content_part.added", 3, "\"item_id\":\"msg_bench\",\"output_index\":0,\"content_index\":0,"
                    + "\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"\"}"));

    static String event(String type, int seq, String fields) {
        return "event: " + type + "\ndata: {\"type\":\"" + type + "\",\"sequence_number\":" + seq + "," + fields + "}\n\n";
    }

    static Buffer responseDelta(int seq) {
        return Buffer.buffer(event("response.output_text.delta", seq, "\"item_id\":\"msg_bench\",\"output_index\":0,"
                + "\"content_index\":0,\"delta\":\" token\",\"logprobs\":[]"));
    }

    static Buffer responseEnd(int seq) {
        return Buffer.buffer(event("response.output_text.done", seq, "\"item_id\":\"msg_bench\",\"output_index\":0,"
                + "\"content_index\":0,\"text\":\"token\",\"logprobs\":[]")
                + event("response.completed", seq + 1, "\"response\":" + String.format(RESPONSE_HEAD, "completed", MESSAGE, USAGE)));
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long delay = args.length > 2 ? Long.parseLong(args[2]) : 0;
        int loops = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        long answerDelay = args.length > 4 ? Long.parseLong(args[4]) : 0;
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        for (int i = 0; i < loops; i++) {
            vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096))
                    .requestHandler(req -> req.body().onSuccess(body -> {
                        HttpServerResponse res = req.response();
                        boolean stream = body.toString().contains("\"stream\":true");
                        if (req.path().endsWith("/responses")) {
                            if (!stream) {
                                res.putHeader("content-type", "application/json").end(RESPONSE);
                                return;
                            }
                            res.setChunked(true).putHeader("content-type", "text/event-stream");
                            res.write(RESPONSE_START);
                            sendResponses(vertx, res, chunks, delay, 4);
                            return;
                        }
                        if (!stream) {
                            res.putHeader("content-type", "application/json");
                            if (answerDelay > 0) vertx.setTimer(answerDelay, id -> res.end(COMPLETION));
                            else res.end(COMPLETION);
                            return;
                        }
                        res.setChunked(true).putHeader("content-type", "text/event-stream");
                        send(vertx, res, chunks, delay);
                    }))
                    .listen(port, "127.0.0.1").await();
        }
        System.out.println("bench upstream on " + port + " (chunks=" + chunks + ", delay=" + delay + "ms, answer delay="
                + answerDelay + "ms)");
    }

    static void sendResponses(Vertx vertx, HttpServerResponse res, int remaining, long delay, int seq) {
        if (remaining == 0) {
            res.end(responseEnd(seq));
            return;
        }
        res.write(responseDelta(seq));
        if (delay > 0) vertx.setTimer(delay, id -> sendResponses(vertx, res, remaining - 1, delay, seq + 1));
        else sendResponses(vertx, res, remaining - 1, delay, seq + 1);
    }

    static void send(Vertx vertx, HttpServerResponse res, int remaining, long delay) {
        if (remaining == 0) {
            res.end(LAST);
            return;
        }
        res.write(CHUNK);
        if (delay > 0) vertx.setTimer(delay, id -> send(vertx, res, remaining - 1, delay));
        else send(vertx, res, remaining - 1, delay);
    }
}
