package ai.zumik.surface;

import ai.zumik.broker.Served;
import ai.zumik.qos.ReasonCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The {@code Agent-*} response headers that tell a client what served it and how (the /v1 body
 * stays pure OpenAI). Written once, when the response head is committed: with the first upstream
 * event, so the TTFT-based {@code Agent-QoS-Target-Met} is already true or false.
 */
public final class AgentHeaders {
    private static final CharSequence MODE = HttpHeaders.createOptimized("Agent-Execution-Mode");
    private static final CharSequence PROFILE = HttpHeaders.createOptimized("Agent-Execution-Profile");
    private static final CharSequence PROVIDER = HttpHeaders.createOptimized("Agent-Resolved-Provider");
    private static final CharSequence MODEL = HttpHeaders.createOptimized("Agent-Resolved-Model");
    private static final CharSequence RELEASE = HttpHeaders.createOptimized("Agent-Alias-Release");
    private static final CharSequence QOS_CLASS = HttpHeaders.createOptimized("Agent-QoS-Class");
    private static final CharSequence QOS_ADMISSION = HttpHeaders.createOptimized("Agent-QoS-Admission");
    private static final CharSequence QOS_TARGET_MET = HttpHeaders.createOptimized("Agent-QoS-Target-Met");
    private static final CharSequence FALLBACK = HttpHeaders.createOptimized("Agent-Fallback-Used");
    private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("Agent-Attempts");
    private static final CharSequence REASON = HttpHeaders.createOptimized("Agent-Reason-Code");
    private static final CharSequence COST = HttpHeaders.createOptimized("Agent-Cost-Micros");
    private static final CharSequence BYOK_CREDENTIAL = HttpHeaders.createOptimized("Agent-Byok-Credential-Id");

    private AgentHeaders() {}

    public static void apply(HttpServerResponse response, Served served) {
        if (response.headWritten()) return;
        response.putHeader(MODE, served.mode().wire())
                .putHeader(PROFILE, served.profile().wire())
                .putHeader(PROVIDER, served.provider().wireId())
                .putHeader(MODEL, served.model())
                .putHeader(QOS_CLASS, served.qosClass())
                .putHeader(QOS_ADMISSION, served.admission())
                .putHeader(FALLBACK, served.fallbackUsed() ? "true" : "false")
                .putHeader(ATTEMPTS, Integer.toString(served.attempts()))
                .putHeader(REASON, served.reason().wire());
        if (served.aliasReleaseId() != null) response.putHeader(RELEASE, served.aliasReleaseId());
        if (served.byokCredentialId() != null) response.putHeader(BYOK_CREDENTIAL, served.byokCredentialId());
        if (served.targetMet() != null) response.putHeader(QOS_TARGET_MET, served.targetMet() ? "true" : "false");
        if (served.rateLimits() != null) served.rateLimits().apply(response);
        // Known only once the response is complete: non-stream answers carry it, streams record it.
        if (served.costNanos() != null) response.putHeader(COST, Long.toString(micros(served.costNanos())));
    }

    /** Nano-USD to the API's micro-USD, rounded half up. */
    public static long micros(long nanos) {
        return Math.floorDiv(nanos + 500, 1_000);
    }

    /** The headers of a request refused before any attempt. */
    public static void refused(HttpServerResponse response, String qosClass, ReasonCode reason, String aliasReleaseId) {
        if (response.headWritten()) return;
        response.putHeader(QOS_CLASS, qosClass)
                .putHeader(QOS_ADMISSION, "rejected")
                .putHeader(ATTEMPTS, "0")
                .putHeader(REASON, reason.wire());
        if (aliasReleaseId != null) response.putHeader(RELEASE, aliasReleaseId);
    }
}
