package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A part of a message's content, as OpenAI defines them; {@link Other} keeps types Zumik does not model. */
public sealed interface ContentPart {
    record Text(String text) implements ContentPart {}

    /** {@code url} is an {@code https:}/{@code http:} URL or a {@code data:} URL. */
    record Image(String url, String detail) implements ContentPart {}

    record Audio(String data, String format) implements ContentPart {}

    record File(ObjectNode file) implements ContentPart {}

    record Refusal(String refusal) implements ContentPart {}

    /** A part type Zumik does not interpret; OpenAI-compatible upstreams receive it untouched. */
    record Other(String type, ObjectNode json) implements ContentPart {}
}
