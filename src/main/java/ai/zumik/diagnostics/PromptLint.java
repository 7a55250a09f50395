package ai.zumik.diagnostics;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.ResponsesWork;
import ai.zumik.inference.ToolSpec;
import ai.zumik.json.Json;
import ai.zumik.reuse.FingerprintKey;
import ai.zumik.reuse.PromptPrefix;
import ai.zumik.v1.ChatRequestParser;
import ai.zumik.v1.responses.ResponsesChat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt-layout linter (digest §7.7). A chat completions body, a Responses body or a bare
 * message array is read as the gateway reads it (same parsers) and cut into blocks in the order a
 * provider's prefix cache sees them — tools, response schema, then each message — each classified:
 * {@code tools}, {@code schema} and {@code policy} (system and developer messages) are stable and,
 * up to the first other block, form the cacheable prefix; then {@code history} (earlier turns, and
 * retrieved context, which an OpenAI body does not tell apart), {@code latest_input} (the last user
 * message or tool result, when it is a user message) and {@code tool_result} (when it is a tool result).
 *
 * <p>Findings, from a score of 100 (floor 0): volatile content in a block of the cacheable prefix, HIGH −30 per
 * block (timestamps, dates, clock times, UUIDs, long numeric or hex ids, {@code request_id} /
 * session id / "current date" keywords); ordering regression, MEDIUM −15 per block (a stable block
 * after a volatile one); latest turn not last, LOW −5; stable prefix below the cache minimum, LOW −5.
 */
public final class PromptLint {
    public static final long CACHE_MINIMUM_TOKENS = 1_024;
    static final int EXCERPT_CHARS = 40;

    public enum Severity { HIGH, MEDIUM, LOW }

    /** A kind of per-request value, in the order they are looked for (the first that matches names a finding). */
    private record Detector(String kind, Pattern pattern) {}

    private static final List<Detector> DETECTORS = List.of(
            new Detector("timestamp", Pattern.compile("\\b\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?")),
            new Detector("uuid", Pattern.compile("\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b")),
            new Detector("date", Pattern.compile("\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b|\\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?"
                    + "|May|June?|July?|Aug(ust)?|Sep(t(ember)?)?|Oct(ober)?|Nov(ember)?|Dec(ember)?)\\.? \\d{1,2}(st|nd|rd|th)?,? \\d{4}\\b")),
            new Detector("clock_time", Pattern.compile("\\b([01]?\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?\\s?([AaPp][Mm]|UTC|GMT)?\\b")),
            new Detector("numeric_id", Pattern.compile("\\b\\d{8,}\\b")),
            new Detector("hex_id", Pattern.compile("\\b(?=[0-9a-fA-F]*\\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{24,}\\b")),
            new Detector("volatile_keyword", Pattern.compile("(?i)\\b(request[_ -]?id|session[_ -]?id|trace[_ -]?id|current[_ ]date|"
                    + "current[_ ]time|today is|today's date|timestamp)\\b")));

    private PromptLint() {}

    /** Thrown for a file that is not a request body the gateway would accept; names the parameter. */
    public static final class NotAPrompt extends RuntimeException {
        NotAPrompt(String message) {
            super(message);
        }
    }

    private record Block(int index, String kind, String param, String role, long tokens, boolean stable, String text) {}

    /** Lints a request body; the result's {@code score}, {@code blocks} and {@code findings}. */
    public static ObjectNode lint(JsonNode body) {
        Parsed parsed = parse(body);
        List<Block> blocks = blocks(parsed.request(), parsed.surfaceParam());
        ArrayNode findings = Json.array();
        int score = 100;
        boolean volatileSeen = false;
        boolean regressionReported = false;
        for (Block b : blocks) {
            if (b.stable()) {
                Hit hit = volatileSeen ? null : volatileContent(b.text());
                if (hit != null) {
                    score -= 30;
                    finding(findings, Severity.HIGH, 30, "volatile_in_stable_prefix", b, hit.kinds().iterator().next(), hit.excerpt(),
                            "per-request values (" + String.join(", ", hit.kinds()) + ") in a stable block change the prefix on "
                                    + "every request: move them into the latest user turn");
                }
                if (volatileSeen) {
                    score -= 15;
                    regressionReported = true;
                    finding(findings, Severity.MEDIUM, 15, "ordering_regression", b, null, null,
                            "a stable block comes after a conversational one: only blocks before the first change can be cached");
                }
            } else {
                volatileSeen = true;
            }
        }
        int latest = latestTurn(blocks);
        if (latest >= 0 && latest != blocks.size() - 1) {
            score -= 5;
            finding(findings, Severity.LOW, 5, "latest_turn_not_last", blocks.get(latest), null, null,
                    "the latest user input or tool result is not the last block: what follows it is re-sent differently each turn");
        }
        long stableTokens = 0;
        for (Block b : blocks) if (b.stable() && b.index() < firstVolatile(blocks)) stableTokens += b.tokens();
        if (stableTokens < CACHE_MINIMUM_TOKENS) {
            score -= 5;
            ObjectNode f = findings.addObject();
            f.put("severity", Severity.LOW.name()).put("penalty", 5).put("rule", "stable_prefix_below_cache_minimum");
            f.putNull("block");
            f.put("message", "the stable prefix holds about " + stableTokens + " tokens, below the " + CACHE_MINIMUM_TOKENS
                    + "-token minimum a provider caches");
        }
        ObjectNode r = Json.object();
        r.put("object", "prompt_lint");
        r.put("score", Math.max(0, score));
        r.put("stable_prefix_tokens", stableTokens);
        r.put("ordering_regression", regressionReported);
        ArrayNode bl = r.putArray("blocks");
        for (Block b : blocks) {
            bl.addObject().put("index", b.index()).put("kind", b.kind()).put("param", b.param()).put("role", b.role())
                    .put("tokens", b.tokens()).put("cacheable", b.stable());
        }
        r.set("findings", findings);
        return r;
    }

    /** True when any finding is HIGH. */
    public static boolean hasHigh(ObjectNode report) {
        for (JsonNode f : report.path("findings")) if (Severity.HIGH.name().equals(f.path("severity").asText())) return true;
        return false;
    }

    private static int firstVolatile(List<Block> blocks) {
        for (Block b : blocks) if (!b.stable()) return b.index();
        return blocks.size();
    }

    private static int latestTurn(List<Block> blocks) {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            String k = blocks.get(i).kind();
            if (k.equals("latest_input") || k.equals("tool_result")) return i;
        }
        return -1;
    }

    private static void finding(ArrayNode findings, Severity s, int penalty, String rule, Block b, String matchKind, String excerpt,
                                String message) {
        ObjectNode f = findings.addObject();
        f.put("severity", s.name()).put("penalty", penalty).put("rule", rule);
        f.put("block", b.index()).put("block_kind", b.kind()).put("param", b.param());
        if (matchKind != null) f.put("match_kind", matchKind).put("excerpt", excerpt);
        f.put("message", message);
    }

    private record Hit(Set<String> kinds, String excerpt) {}

    static Hit volatileContent(String text) {
        Set<String> kinds = new LinkedHashSet<>();
        String excerpt = null;
        for (Detector d : DETECTORS) {
            Matcher m = d.pattern().matcher(text);
            if (m.find()) {
                kinds.add(d.kind());
                if (excerpt == null) {
                    String g = m.group();
                    excerpt = g.length() > EXCERPT_CHARS ? g.substring(0, EXCERPT_CHARS) + "…" : g;
                }
            }
        }
        return kinds.isEmpty() ? null : new Hit(kinds, excerpt);
    }

    private record Parsed(ChatRequest request, UnaryOperator<String> surfaceParam) {}

    private static Parsed parse(JsonNode body) {
        try {
            if (body instanceof ArrayNode messages) {
                ObjectNode chat = Json.object();
                chat.put("model", "lint");
                chat.set("messages", messages);
                return new Parsed(ChatRequestParser.parse(chat), UnaryOperator.identity());
            }
            if (!(body instanceof ObjectNode o)) throw new NotAPrompt("expected a chat completions or Responses request body (a JSON object) or a message array");
            ObjectNode copy = o.deepCopy();
            if (!copy.hasNonNull("model")) copy.put("model", "lint");
            if (copy.has("messages")) return new Parsed(ChatRequestParser.parse(copy), UnaryOperator.identity());
            if (copy.has("input")) {
                ResponsesWork w = ResponsesChat.of(copy);
                return new Parsed(w.chat(), w.surfaceParam());
            }
            throw new NotAPrompt("expected 'messages' (chat completions) or 'input' (Responses)");
        } catch (ai.zumik.http.ApiException e) {
            String param = e.error().param();
            throw new NotAPrompt((param == null ? "" : param + ": ") + e.error().message());
        }
    }

    private static List<Block> blocks(ChatRequest r, UnaryOperator<String> surfaceParam) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        PromptPrefix prefix = PromptPrefix.of(r, FingerprintKey.of("lint", secret));
        long[] marks = prefix.marks();
        List<Block> out = new ArrayList<>();
        int i = 0;
        if (r.tools() != null && !r.tools().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (ToolSpec t : r.tools()) {
                sb.append(t.name()).append('\n').append(t.description() == null ? "" : t.description()).append('\n')
                        .append(t.parameters() == null ? "" : Json.text(t.parameters())).append('\n');
            }
            out.add(new Block(i, "tools", "tools", null, tokens(marks, i), true, sb.toString()));
            i++;
        }
        if (r.responseFormat() instanceof ResponseFormat.JsonSchema s) {
            out.add(new Block(i, "schema", "response_format", null, tokens(marks, i), true, s.schema() == null ? "" : Json.text(s.schema())));
            i++;
        }
        // The latest turn: the last user message or tool result, wherever it stands.
        int latest = -1;
        List<ChatMessage> ms = r.messages();
        for (int k = 0; k < ms.size(); k++) {
            ChatMessage.Role role = ms.get(k).role();
            if (role == ChatMessage.Role.USER || role == ChatMessage.Role.TOOL || role == ChatMessage.Role.FUNCTION) latest = k;
        }
        for (int k = 0; k < ms.size(); k++) {
            ChatMessage m = ms.get(k);
            String kind = switch (m.role()) {
                case SYSTEM, DEVELOPER -> "policy";
                case USER -> k == latest ? "latest_input" : "history";
                case TOOL, FUNCTION -> k == latest ? "tool_result" : "history";
                case ASSISTANT -> "history";
            };
            String param = surfaceParam.apply("messages[" + k + "]");
            out.add(new Block(i, kind, param, m.role().name().toLowerCase(java.util.Locale.ROOT), tokens(marks, i),
                    kind.equals("policy"), m.text()));
            i++;
        }
        return out;
    }

    private static long tokens(long[] marks, int i) {
        return i < marks.length ? marks[i] - (i == 0 ? 0 : marks[i - 1]) : 0;
    }
}
