package ai.zumik.limits;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * OpenAI's rate-limit headers, so client back-off written for OpenAI works unchanged: limit,
 * remaining and time to reset, for requests and for tokens, of the tightest window that applied
 * (null fields are not sent; a request no window limited gets none).
 */
public record RateHeaders(Long requestLimit, Long requestsRemaining, Long requestsResetMs, Long tokenLimit,
                          Long tokensRemaining, Long tokensResetMs) {

    private static final CharSequence LIMIT_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-limit-requests");
    private static final CharSequence REMAINING_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-remaining-requests");
    private static final CharSequence RESET_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-reset-requests");
    private static final CharSequence LIMIT_TOKENS = HttpHeaders.createOptimized("x-ratelimit-limit-tokens");
    private static final CharSequence REMAINING_TOKENS = HttpHeaders.createOptimized("x-ratelimit-remaining-tokens");
    private static final CharSequence RESET_TOKENS = HttpHeaders.createOptimized("x-ratelimit-reset-tokens");

    public void apply(HttpServerResponse r) {
        if (r.headWritten()) return;
        if (requestLimit != null) {
            r.putHeader(LIMIT_REQUESTS, Long.toString(requestLimit));
            r.putHeader(REMAINING_REQUESTS, Long.toString(requestsRemaining));
            r.putHeader(RESET_REQUESTS, duration(requestsResetMs));
        }
        if (tokenLimit != null) {
            r.putHeader(LIMIT_TOKENS, Long.toString(tokenLimit));
            r.putHeader(REMAINING_TOKENS, Long.toString(tokensRemaining));
            r.putHeader(RESET_TOKENS, duration(tokensResetMs));
        }
    }

    /** OpenAI's spelling of a duration: {@code 250ms}, {@code 17s}, {@code 1m0s}. */
    static String duration(long ms) {
        if (ms < 1_000) return Math.max(0, ms) + "ms";
        long s = (ms + 999) / 1_000;
        return s < 60 ? s + "s" : s / 60 + "m" + s % 60 + "s";
    }
}
