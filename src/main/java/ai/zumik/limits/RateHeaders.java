package ai.zumik.limits;

import io.vertx.core.http.HttpServerResponse;

/**
 * OpenAI's rate-limit headers, so client back-off written for OpenAI works unchanged: limit,
 * remaining and time to reset, for requests and for tokens, of the tightest window that applied
 * (null fields are not sent; a request no window limited gets none).
 */
public record RateHeaders(Long requestLimit, Long requestsRemaining, Long requestsResetMs, Long tokenLimit,
                          Long tokensRemaining, Long tokensResetMs) {

    public void apply(HttpServerResponse r) {
        if (r.headWritten()) return;
        if (requestLimit != null) {
            r.putHeader("x-ratelimit-limit-requests", Long.toString(requestLimit));
            r.putHeader("x-ratelimit-remaining-requests", Long.toString(requestsRemaining));
            r.putHeader("x-ratelimit-reset-requests", duration(requestsResetMs));
        }
        if (tokenLimit != null) {
            r.putHeader("x-ratelimit-limit-tokens", Long.toString(tokenLimit));
            r.putHeader("x-ratelimit-remaining-tokens", Long.toString(tokensRemaining));
            r.putHeader("x-ratelimit-reset-tokens", duration(tokensResetMs));
        }
    }

    /** OpenAI's spelling of a duration: {@code 250ms}, {@code 17s}, {@code 1m0s}. */
    static String duration(long ms) {
        if (ms < 1_000) return Math.max(0, ms) + "ms";
        long s = (ms + 999) / 1_000;
        return s < 60 ? s + "s" : s / 60 + "m" + s % 60 + "s";
    }
}
