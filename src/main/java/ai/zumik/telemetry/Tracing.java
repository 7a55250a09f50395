package ai.zumik.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry traces, decided once at start: {@link #fromEnv} returns null unless
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) is set, and
 * every call site checks for null, so with tracing off no SDK object exists and a request
 * allocates nothing for it. With tracing on, each inference request gets a SERVER span (joined to
 * the client's W3C {@code traceparent} when one arrives) and each upstream attempt a CLIENT span
 * under it, named and attributed after the OpenTelemetry GenAI conventions; spans leave through
 * the OTLP/HTTP protobuf exporter in batches, off the event loops.
 *
 * <p>Prompt and completion text are attributes only when {@code ZUMIK_OTEL_CAPTURE_CONTENT=true}.
 */
public final class Tracing implements AutoCloseable {
    /** The surface routes that get a request span (inference only; control-plane routes do not). */
    private static final List<String> TRACED_ROUTES = List.of("/v1/chat/completions", "/v1/responses", "/v1/embeddings",
            "/v2/responses");
    private static final TextMapGetter<String[]> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String[] carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(String[] carrier, String key) {
            if (carrier == null) return null;
            return "traceparent".equals(key) ? carrier[0] : "tracestate".equals(key) ? carrier[1] : null;
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final boolean captureContent;

    private Tracing(SdkTracerProvider provider, boolean captureContent) {
        this.provider = provider;
        this.tracer = provider.get("ai.zumik", "0.1.0");
        this.captureContent = captureContent;
    }

    /**
     * Tracing as the standard {@code OTEL_*} variables describe it, or null when no OTLP endpoint
     * is set or {@code OTEL_SDK_DISABLED=true}. Honoured: the endpoint (base, or the traces one
     * as is), headers, protocol ({@code http/protobuf} only), timeout, service name, resource
     * attributes, sampler and its argument, and the batch processor's delay and sizes.
     */
    public static Tracing fromEnv(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) return null;
        String traces = blank(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        String base = blank(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (traces == null && base == null) return null;
        if ("none".equalsIgnoreCase(env.get("OTEL_TRACES_EXPORTER"))) return null;
        String endpoint = traces != null ? traces : (base.endsWith("/") ? base : base + "/") + "v1/traces";
        String protocol = first(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        if (!"http/protobuf".equals(protocol)) {
            throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_PROTOCOL must be 'http/protobuf' (Zumik exports "
                    + "OTLP over HTTP only); got '" + protocol + "'");
        }
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
                .setTimeout(Duration.ofMillis(Long.parseLong(first(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                        "OTEL_EXPORTER_OTLP_TIMEOUT", "10000"))));
        headers(env.get("OTEL_EXPORTER_OTLP_HEADERS")).forEach(exporter::addHeader);
        headers(env.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS")).forEach(exporter::addHeader);
        AttributesBuilder resource = Attributes.builder();
        headers(env.get("OTEL_RESOURCE_ATTRIBUTES")).forEach(resource::put);
        String service = blank(env.get("OTEL_SERVICE_NAME"));
        resource.put(AttributeKey.stringKey("service.name"), service != null ? service
                : headers(env.get("OTEL_RESOURCE_ATTRIBUTES")).getOrDefault("service.name", "zumik"));
        BatchSpanProcessor batches = BatchSpanProcessor.builder(exporter.build())
                .setScheduleDelay(Duration.ofMillis(Long.parseLong(env.getOrDefault("OTEL_BSP_SCHEDULE_DELAY", "5000"))))
                .setMaxQueueSize(Integer.parseInt(env.getOrDefault("OTEL_BSP_MAX_QUEUE_SIZE", "2048")))
                .setMaxExportBatchSize(Integer.parseInt(env.getOrDefault("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512")))
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(sampler(env.getOrDefault("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
                        env.get("OTEL_TRACES_SAMPLER_ARG")))
                .addSpanProcessor(batches)
                .build();
        return new Tracing(provider, "true".equalsIgnoreCase(env.get("ZUMIK_OTEL_CAPTURE_CONTENT")));
    }

    /** Whether {@code routePath} gets a request span. */
    public static boolean traced(String routePath) {
        return TRACED_ROUTES.contains(routePath);
    }

    /**
     * Starts the SERVER span of an inference request, a child of the client's span when
     * {@code traceparent} is a valid W3C header, else the root of a new trace.
     *
     * @param zumikTraceId the {@code Agent-Trace-Id} of the response, kept as {@code zumik.trace_id}
     */
    public RequestSpan request(String method, String route, String traceparent, String tracestate, String zumikTraceId) {
        Context parent = traceparent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), new String[] {traceparent, tracestate}, HEADERS);
        String operation = route.endsWith("/embeddings") ? "embeddings" : "chat";
        var span = tracer.spanBuilder(method + " " + route).setSpanKind(SpanKind.SERVER).setParent(parent)
                .setAttribute("http.request.method", method)
                .setAttribute("http.route", route)
                .setAttribute("gen_ai.operation.name", operation)
                .setAttribute("zumik.trace_id", zumikTraceId)
                .startSpan();
        return new RequestSpan(tracer, span, captureContent, operation);
    }

    /** Exports what is still queued and stops. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    private static Sampler sampler(String name, String arg) {
        double ratio = arg == null ? 1.0 : Double.parseDouble(arg);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "always_on" -> Sampler.alwaysOn();
            case "always_off" -> Sampler.alwaysOff();
            case "traceidratio" -> Sampler.traceIdRatioBased(ratio);
            case "parentbased_always_on" -> Sampler.parentBased(Sampler.alwaysOn());
            case "parentbased_always_off" -> Sampler.parentBased(Sampler.alwaysOff());
            case "parentbased_traceidratio" -> Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
            default -> throw new IllegalArgumentException("OTEL_TRACES_SAMPLER '" + name + "' is not supported");
        };
    }

    /** {@code k1=v1,k2=v2} with percent-encoded values, as the OTel spec writes headers and resource attributes. */
    static Map<String, String> headers(String list) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (list == null || list.isBlank()) return out;
        for (String pair : list.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            out.put(pair.substring(0, eq).trim(), URLDecoder.decode(pair.substring(eq + 1).trim(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String first(Map<String, String> env, String specific, String general, String fallback) {
        String v = blank(env.get(specific));
        if (v == null) v = blank(env.get(general));
        return v == null ? fallback : v.trim();
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
