import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local OTLP/HTTP sink for bench/otel.sh: accepts POST /v1/traces, reads and drops the body,
 * answers 200 with an empty protobuf response; GET /stats prints "exports bytes".
 *
 *   java OtlpSink PORT
 */
public final class OtlpSink {
    public static void main(String[] args) throws Exception {
        AtomicLong exports = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/v1/traces", ex -> {
            bytes.addAndGet(ex.getRequestBody().readAllBytes().length);
            exports.incrementAndGet();
            ex.getResponseHeaders().add("content-type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.createContext("/stats", ex -> {
            byte[] b = (exports.get() + " " + bytes.get() + "\n").getBytes();
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }
}
