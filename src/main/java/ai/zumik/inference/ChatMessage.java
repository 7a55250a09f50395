package ai.zumik.inference;

import java.util.List;

/**
 * One message of a chat request. {@code content} is null when the message had none (an assistant
 * turn that only calls tools); {@code stringContent} remembers that the client sent a plain string.
 */
public record ChatMessage(Role role, List<ContentPart> content, boolean stringContent, String name,
                          List<ToolCall> toolCalls, String toolCallId) {

    public enum Role {
        SYSTEM, DEVELOPER, USER, ASSISTANT, TOOL, FUNCTION;

        public static Role parse(String s) {
            return switch (s) {
                case "system" -> SYSTEM;
                case "developer" -> DEVELOPER;
                case "user" -> USER;
                case "assistant" -> ASSISTANT;
                case "tool" -> TOOL;
                case "function" -> FUNCTION;
                default -> null;
            };
        }
    }

    /** A function call made by the assistant; {@code arguments} is the raw JSON text. */
    public record ToolCall(String id, String name, String arguments) {}

    /** All text parts joined, or "" when there are none. */
    public String text() {
        if (content == null) return "";
        StringBuilder sb = new StringBuilder();
        for (ContentPart p : content) if (p instanceof ContentPart.Text t) sb.append(t.text());
        return sb.toString();
    }
}
