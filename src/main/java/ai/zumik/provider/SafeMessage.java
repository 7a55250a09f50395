package ai.zumik.provider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Makes upstream text safe to show a client, write to a log or store: every secret Zumik was
 * configured with is removed by exact value, in any letter case, and with its well-known prefix
 * stripped (a provider may echo {@code The key 'abc…'} without its {@code sk-}); then anything that
 * looks like a credential by pattern (a key prefix and a token, a bearer token), then URLs; over-long
 * text is cut. Secrets are registered once, at start, by whoever holds them ({@link #protect}).
 */
public final class SafeMessage {
    private static final Pattern SECRETS = Pattern.compile(
            "(?i)(bearer\\s+\\S+|\\b(sk|pk|rk|xai|fw|sess|key|zk_live|or|AIza)[-_][A-Za-z0-9_\\-*.]{6,}|AIza[0-9A-Za-z_\\-]{20,})");
    private static final Pattern URLS = Pattern.compile("(?i)\\b(https?|wss?)://\\S+");
    /** Longest first, so {@code sk-ant-api03-} is stripped before {@code sk-}. */
    private static final List<String> KEY_PREFIXES = List.of("sk-ant-api03-", "sk-ant-admin01-", "sk-proj-", "sk-svcacct-",
            "sk-admin-", "sk-or-v1-", "sk-ant-", "zk_live_", "xai-", "sk-", "fw_", "fw-", "AIza");
    /** Shorter remainders would match ordinary words; the pattern still covers prefixed forms. */
    private static final int MIN_SECRET = 8;
    private static final int MAX = 1_000;

    private static final Set<String> registered = new LinkedHashSet<>();
    /** Every registered secret as one case-insensitive alternation, longest first; null until one is registered. */
    private static volatile Pattern known;

    private SafeMessage() {}

    /** Registers a secret so that no scrubbed text ever carries it, whole or without its prefix. */
    public static synchronized void protect(String secret) {
        if (secret == null) return;
        String s = secret.trim();
        int before = registered.size();
        if (s.length() >= MIN_SECRET) registered.add(s);
        for (String prefix : KEY_PREFIXES) {
            if (s.startsWith(prefix) && s.length() - prefix.length() >= MIN_SECRET) registered.add(s.substring(prefix.length()));
        }
        if (registered.size() == before) return;
        List<String> sorted = new ArrayList<>(registered);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        known = Pattern.compile(String.join("|", sorted.stream().map(Pattern::quote).toList()),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    public static String scrub(String message) {
        if (message == null) return null;
        Pattern k = known;
        String s = k == null ? message : k.matcher(message).replaceAll("[redacted]");
        s = SECRETS.matcher(s).replaceAll("[redacted]");
        s = URLS.matcher(s).replaceAll("[url]");
        return s.length() > MAX ? s.substring(0, MAX) + "…" : s;
    }
}
