package ai.zumik.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;

/** The CLIENT span of one upstream attempt, under its {@link RequestSpan}. */
public final class AttemptSpan {
    private final Span span;
    private boolean ended;

    AttemptSpan(Span span) {
        this.span = span;
    }

    /** The W3C {@code traceparent} naming this attempt, sent to the provider. */
    public String traceparent() {
        SpanContext c = span.getSpanContext();
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }

    /**
     * Ends the attempt: the upstream HTTP status (0 when none arrived), its failure class (null on
     * success) and the usage it reported. Later calls do nothing.
     */
    public void end(int httpStatus, String failureClass, Long inputTokens, Long outputTokens, Long cachedTokens) {
        if (ended) return;
        ended = true;
        if (httpStatus > 0) span.setAttribute("http.response.status_code", httpStatus);
        if (failureClass != null) {
            span.setAttribute("zumik.attempt.failure_class", failureClass);
            span.setAttribute("error.type", failureClass);
            span.setStatus(StatusCode.ERROR);
        }
        if (inputTokens != null) span.setAttribute("gen_ai.usage.input_tokens", inputTokens);
        if (outputTokens != null) span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
        if (cachedTokens != null) span.setAttribute("gen_ai.usage.cache_read.input_tokens", cachedTokens);
        span.end();
    }
}
