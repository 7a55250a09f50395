package ai.zumik.surface;

import ai.zumik.broker.Served;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.provider.ProviderId;
import ai.zumik.qos.QosClass;
import ai.zumik.qos.ReasonCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    // Values from fixed sets, pre-encoded: Netty copies an AsciiString's bytes whole and writes a
    // String byte by byte (bench/RESULTS.md, 2026-12-07, 22:56Z).
    private static final CharSequence[] MODES = encoded(ExecutionMode.values(), ExecutionMode::wire);
    private static final CharSequence[] PROFILES = encoded(ExecutionProfile.values(), ExecutionProfile::wire);
    private static final CharSequence[] PROVIDERS = encoded(ProviderId.values(), ProviderId::wireId);
    private static final CharSequence[] REASONS = encoded(ReasonCode.values(), ReasonCode::wire);
    private static final CharSequence[] COUNTS = encoded(new Integer[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, String::valueOf);
    private static final Map<String, CharSequence> WORDS = words();
    private static final CharSequence TRUE = HttpHeaders.createOptimized("true");
    private static final CharSequence FALSE = HttpHeaders.createOptimized("false");

    private AgentHeaders() {}

    public static void apply(HttpServerResponse response, Served served) {
        if (response.headWritten()) return;
        response.putHeader(MODE, MODES[served.mode().ordinal()])
                .putHeader(PROFILE, PROFILES[served.profile().ordinal()])
                .putHeader(PROVIDER, PROVIDERS[served.provider().ordinal()])
                .putHeader(MODEL, served.model())
                .putHeader(QOS_CLASS, word(served.qosClass()))
                .putHeader(QOS_ADMISSION, word(served.admission()))
                .putHeader(FALLBACK, word(served.fallbackUsed()))
                .putHeader(ATTEMPTS, count(served.attempts()))
                .putHeader(REASON, REASONS[served.reason().ordinal()]);
        if (served.aliasReleaseId() != null) response.putHeader(RELEASE, served.aliasReleaseId());
        if (served.byokCredentialId() != null) response.putHeader(BYOK_CREDENTIAL, served.byokCredentialId());
        if (served.targetMet() != null) response.putHeader(QOS_TARGET_MET, word(served.targetMet()));
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
        response.putHeader(QOS_CLASS, word(qosClass))
                .putHeader(QOS_ADMISSION, word("rejected"))
                .putHeader(ATTEMPTS, count(0))
                .putHeader(REASON, REASONS[reason.ordinal()]);
        if (aliasReleaseId != null) response.putHeader(RELEASE, aliasReleaseId);
    }

    private static <T> CharSequence[] encoded(T[] values, Function<T, String> wire) {
        CharSequence[] out = new CharSequence[values.length];
        for (int i = 0; i < values.length; i++) out[i] = HttpHeaders.createOptimized(wire.apply(values[i]));
        return out;
    }

    private static Map<String, CharSequence> words() {
        Map<String, CharSequence> m = new HashMap<>();
        for (QosClass c : QosClass.values()) m.put(c.wire(), HttpHeaders.createOptimized(c.wire()));
        for (String w : List.of("admitted", "queued", "rejected", "expired_before_start")) {
            m.put(w, HttpHeaders.createOptimized(w));
        }
        return Map.copyOf(m);
    }

    /** A value from a fixed set pre-encoded, anything else as it is. */
    private static CharSequence word(String s) {
        CharSequence w = s == null ? null : WORDS.get(s);
        return w != null ? w : s;
    }

    private static CharSequence word(boolean b) {
        return b ? TRUE : FALSE;
    }

    private static CharSequence count(int n) {
        return n >= 0 && n < COUNTS.length ? COUNTS[n] : Integer.toString(n);
    }
}
