package ai.zumik.inference;

/** OpenAI's {@code tool_choice}. */
public sealed interface ToolChoice {
    record Auto() implements ToolChoice {}

    record None() implements ToolChoice {}

    record Required() implements ToolChoice {}

    record Named(String name) implements ToolChoice {}
}
