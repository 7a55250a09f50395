package ai.zumik.v1.batches;

import ai.zumik.inference.Usage;

/** How one line of a batch ended, or why it must run again later. */
sealed interface LineOutcome {

    /**
     * The endpoint answered, exactly as it would have answered the request live: a 2xx completes
     * the line; anything else fails it with that answer (OpenAI puts these in the error file with
     * {@code response} set and {@code error} null).
     *
     * @param requestId the response id the line ran under (look it up on {@code /v2/responses}), or
     *     null when the request was refused before it had one (a body the endpoint rejects)
     */
    record Answered(int status, String requestId, String body, Usage usage) implements LineOutcome {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** No HTTP answer exists for the line: it could not run, or cannot be reported (OpenAI's {@code error}). */
    record Errored(String code, String message) implements LineOutcome {}

    /**
     * Refused before anything was sent upstream (a rate limit, a full admission queue): nothing ran,
     * so running it again after {@code delayMs} cannot run it twice.
     */
    record Deferred(long delayMs) implements LineOutcome {}
}
