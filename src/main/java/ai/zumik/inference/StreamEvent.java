package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an upstream attempt produces, in order: for a stream, {@link Chunk}s then {@link End} or
 * {@link Failed}; for a non-stream call, one {@link Completion} or one {@link Failed}.
 * Chunks and completions are OpenAI-shaped JSON (the canonical wire language): OpenAI-compatible
 * providers hand over their own objects untouched, native translators build them.
 */
public sealed interface StreamEvent {

    /** One {@code chat.completion.chunk}; {@code usage} is non-null only on a chunk that carried usage. */
    record Chunk(ObjectNode json, Usage usage) implements StreamEvent {
        /** The usage-only final chunk OpenAI sends when {@code include_usage} is set. */
        public boolean usageOnly() {
            var choices = json.get("choices");
            return usage != null && choices != null && choices.isArray() && choices.isEmpty();
        }
    }

    /** A whole {@code chat.completion} (or other non-stream body) with its usage. */
    record Completion(ObjectNode json, Usage usage) implements StreamEvent {}

    /** The stream ended the way the protocol says it should; {@code usage} is the final count. */
    record End(Usage usage) implements StreamEvent {}

    /** The attempt failed; {@code usage} is what the provider reported before failing, if anything. */
    record Failed(UpstreamFailure failure, Usage usage) implements StreamEvent {}
}
