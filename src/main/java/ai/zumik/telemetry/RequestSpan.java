package ai.zumik.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * The SERVER span of one inference request (see {@link Tracing}). The surface opens it when the
 * route matches, the broker adds what served the response and opens one {@link AttemptSpan} per
 * upstream attempt under it, and the exchange ends it with the HTTP status. Used on the request's
 * event loop only.
 */
public final class RequestSpan {
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    private final Tracer tracer;
    private final Span span;
    private final boolean captureContent;
    private final Context context;
    private final String operation;

    RequestSpan(Tracer tracer, Span span, boolean captureContent, String operation) {
        this.tracer = tracer;
        this.operation = operation;
        this.span = span;
        this.captureContent = captureContent;
        this.context = Context.root().with(span);
    }

    /** Whether the operator let prompt and completion text into spans ({@code ZUMIK_OTEL_CAPTURE_CONTENT}). */
    public boolean capturesContent() {
        return captureContent;
    }

    /** The model the client asked for (a catalogue id or an alias). */
    public void requested(String model, String responseId) {
        if (model != null) span.setAttribute("gen_ai.request.model", model);
        if (responseId != null) span.setAttribute("zumik.response_id", responseId);
    }

    /**
     * Opens the CLIENT span of one upstream attempt, named {@code "<operation> <model>"}; its
     * {@link AttemptSpan#traceparent()} goes on the provider request.
     */
    public AttemptSpan attempt(int index, String provider, String model, String profile, String retryCause) {
        var b = tracer.spanBuilder(operation + " " + model).setSpanKind(SpanKind.CLIENT).setParent(context)
                .setAttribute("gen_ai.operation.name", operation)
                .setAttribute("gen_ai.system", provider)
                .setAttribute("gen_ai.provider.name", provider)
                .setAttribute("gen_ai.request.model", model)
                .setAttribute("zumik.attempt.index", index)
                .setAttribute("zumik.execution_profile", profile);
        if (retryCause != null) b.setAttribute("zumik.attempt.retry_cause", retryCause);
        return new AttemptSpan(b.startSpan());
    }

    /**
     * What answered: provider, model, profile, the reason code, whether another target than the
     * first served it, how many attempts it took, the usage summed over attempts, the cost and
     * the finish reasons of the answer.
     */
    public void outcome(String provider, String responseModel, String profile, String reasonCode, boolean failover,
                        int attempts, Long inputTokens, Long outputTokens, Long cachedTokens, Long costNanos,
                        List<String> finishReasons) {
        if (provider != null) {
            span.setAttribute("gen_ai.system", provider);
            span.setAttribute("gen_ai.provider.name", provider);
        }
        if (responseModel != null) span.setAttribute("gen_ai.response.model", responseModel);
        if (profile != null) span.setAttribute("zumik.execution_profile", profile);
        if (reasonCode != null) span.setAttribute("zumik.reason_code", reasonCode);
        span.setAttribute("zumik.failover", failover);
        span.setAttribute("zumik.attempts", attempts);
        if (inputTokens != null) span.setAttribute("gen_ai.usage.input_tokens", inputTokens);
        if (outputTokens != null) span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
        if (cachedTokens != null) span.setAttribute("gen_ai.usage.cache_read.input_tokens", cachedTokens);
        if (costNanos != null) span.setAttribute("zumik.cost_micros", costNanos / 1_000);
        if (finishReasons != null && !finishReasons.isEmpty()) span.setAttribute(FINISH_REASONS, finishReasons);
    }

    /** The prompt and the answer's text; only called when {@link #capturesContent()}. */
    public void content(String input, String output) {
        if (!captureContent) return;
        if (input != null) span.setAttribute("gen_ai.input.messages", input);
        if (output != null) span.setAttribute("gen_ai.output.messages", output);
    }

    /** Ends the span with the status the client got; 5xx marks it failed. */
    public void end(int status, String errorCode) {
        span.setAttribute("http.response.status_code", status);
        if (errorCode != null) span.setAttribute("error.type", errorCode);
        if (status >= 500) span.setStatus(StatusCode.ERROR);
        span.end();
    }
}
