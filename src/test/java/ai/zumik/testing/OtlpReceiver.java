package ai.zumik.testing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An OTLP/HTTP receiver on loopback: accepts protobuf on {@code /v1/traces}, decodes it with the
 * {@code opentelemetry-proto} classes and keeps every span and every raw body (to check what never
 * leaves, such as prompt text).
 */
public final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<String> serviceNames = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();

    private OtlpReceiver() throws java.io.IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            contentTypes.add(exchange.getRequestHeaders().getFirst("content-type"));
            synchronized (raw) {
                raw.writeBytes(body);
            }
            var request = ExportTraceServiceRequest.parseFrom(body);
            request.getResourceSpansList().forEach(rs -> {
                rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
                        .forEach(a -> serviceNames.add(a.getValue().getStringValue()));
                rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList()));
            });
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("content-type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    public static OtlpReceiver start() {
        try {
            return new OtlpReceiver();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} takes it. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits up to 10 s for {@code n} spans matching {@code which}. */
    public List<Span> await(int n, Predicate<Span> which) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            List<Span> found = new ArrayList<>(spans.stream().filter(which).toList());
            if (found.size() >= n) return found;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("expected " + n + " spans, got " + spans.stream().map(Span::getName).toList());
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    public List<String> serviceNames() {
        return List.copyOf(serviceNames);
    }

    public List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    /** Every body received, concatenated. */
    public byte[] raw() {
        synchronized (raw) {
            return raw.toByteArray();
        }
    }

    public static String hex(com.google.protobuf.ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    /** A string, int, bool or string-array attribute of {@code span} as text, or null. */
    public static String attr(Span span, String key) {
        for (var kv : span.getAttributesList()) {
            if (!kv.getKey().equals(key)) continue;
            var v = kv.getValue();
            return switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case INT_VALUE -> Long.toString(v.getIntValue());
                case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(x -> x.getStringValue()).toList().toString();
                default -> v.toString();
            };
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
