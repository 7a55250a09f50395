package ai.zumik.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;

/**
 * The thinking blocks (with their signatures) of assistant turns that called tools, keyed by each
 * of that turn's {@code tool_use} ids, so they can be sent back when the client continues the tool
 * turn: Anthropic requires them then, and OpenAI's format has nowhere to carry them.
 *
 * <p>Bounded (by approximate characters) and kept for one hour after the turn was relayed. It is
 * in this process's memory only: with several Zumik nodes behind a load balancer, the request that
 * continues a tool turn must reach the node that relayed the turn, or it is rejected with a 400
 * naming the tool calls. Tool use ids are random and only ever given to the client that made the
 * turn, which is what keeps one client from continuing another's turn.
 */
final class ThinkingMemory {
    /** One process-wide memory: a tool turn may be continued through any event loop. */
    static final ThinkingMemory SHARED = new ThinkingMemory(Duration.ofHours(1), 64L * 1024 * 1024);

    private final Cache<String, List<ObjectNode>> byToolUseId;

    ThinkingMemory(Duration ttl, long maxChars) {
        this.byToolUseId = Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .maximumWeight(maxChars)
                .<String, List<ObjectNode>>weigher((id, blocks) -> {
                    long chars = id.length();
                    for (ObjectNode b : blocks) chars += b.path("thinking").asText().length()
                            + b.path("signature").asText().length() + b.path("data").asText().length();
                    return (int) Math.min(Integer.MAX_VALUE, chars);
                })
                .build();
    }

    /** Remembers a turn's thinking blocks under each of its tool use ids; a turn without either is ignored. */
    void remember(List<String> toolUseIds, List<ObjectNode> thinkingBlocks) {
        if (toolUseIds.isEmpty() || thinkingBlocks.isEmpty()) return;
        List<ObjectNode> blocks = List.copyOf(thinkingBlocks);
        for (String id : toolUseIds) byToolUseId.put(id, blocks);
    }

    /** The thinking blocks of the turn that made tool call {@code toolUseId}, or null. */
    List<ObjectNode> blocksFor(String toolUseId) {
        return byToolUseId.getIfPresent(toolUseId);
    }
}
