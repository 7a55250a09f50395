package ai.zumik.inference;

import ai.zumik.json.TopLevel;

/**
 * What an upstream attempt produces, in order: for a stream, {@link Chunk}s then {@link End} or
 * {@link Failed}; for a non-stream call, one {@link Completion} or one {@link Failed}.
 * Chunks and completions are OpenAI-shaped JSON text (the canonical wire language):
 * OpenAI-compatible providers hand over their own bytes untouched, native translators build them.
 * The facts Zumik needs from them (usage, whether a chunk is the usage-only one) ride alongside,
 * so nobody has to parse the JSON twice.
 */
public sealed interface StreamEvent {

    /**
     * One {@code chat.completion.chunk}.
     *
     * @param usage non-null only on a chunk that carried usage
     * @param usageOnly the final chunk OpenAI sends for {@code include_usage}: no choices, only usage
     * @param scanned the adapter's scan of exactly {@code json}, covering at least {@code id}, {@code model}
     *     and {@code usage}, so the surface's rewrite need not scan it again; null when there is none
     */
    record Chunk(byte[] json, Usage usage, boolean usageOnly, TopLevel scanned) implements StreamEvent {
        public Chunk(byte[] json, Usage usage, boolean usageOnly) {
            this(json, usage, usageOnly, null);
        }
    }

    /**
     * A whole {@code chat.completion} (or other non-stream body) with its usage.
     *
     * @param scanned as for {@link Chunk#scanned}
     */
    record Completion(byte[] json, Usage usage, TopLevel scanned) implements StreamEvent {
        public Completion(byte[] json, Usage usage) {
            this(json, usage, null);
        }
    }

    /** The stream ended the way the protocol says it should; {@code usage} is the final count. */
    record End(Usage usage) implements StreamEvent {}

    /** The attempt failed; {@code usage} is what the provider reported before failing, if anything. */
    record Failed(UpstreamFailure failure, Usage usage) implements StreamEvent {
        /** A non-stream answer Zumik could not read ({@link FailureClass#MALFORMED_RESPONSE}); no usage is known. */
        public static Failed malformed(String message) {
            return new Failed(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, message), Usage.UNREPORTED);
        }
    }
}
