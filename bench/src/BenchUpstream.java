import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;

/**
 * A fast fake OpenAI upstream for benchmarks: a fixed ~400-byte completion, or a stream of N
 * chat.completion.chunk events (each its own write and flush) plus a usage chunk and [DONE],
 * optionally with a delay between chunks. It does as little work as possible so the measurement
 * is about the gateway in front of it.
 *
 * Usage: java -cp zumik.jar:classes BenchUpstream PORT [CHUNKS=20] [CHUNK_DELAY_MS=0] [EVENT_LOOPS=1]
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

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long delay = args.length > 2 ? Long.parseLong(args[2]) : 0;
        int loops = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        for (int i = 0; i < loops; i++) {
            vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096))
                    .requestHandler(req -> req.body().onSuccess(body -> {
                        HttpServerResponse res = req.response();
                        boolean stream = body.toString().contains("\"stream\":true");
                        if (!stream) {
                            res.putHeader("content-type", "application/json").end(COMPLETION);
                            return;
                        }
                        res.setChunked(true).putHeader("content-type", "text/event-stream");
                        send(vertx, res, chunks, delay);
                    }))
                    .listen(port, "127.0.0.1").await();
        }
        System.out.println("bench upstream on " + port + " (chunks=" + chunks + ", delay=" + delay + "ms)");
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
