package ai.zumik.provider;

import java.util.regex.Pattern;

/**
 * Makes a provider's error message safe to show a client: credentials (any token-looking string
 * after a known key prefix, bearer tokens), URLs and over-long text are removed.
 */
public final class SafeMessage {
    private static final Pattern SECRETS = Pattern.compile(
            "(?i)(bearer\\s+\\S+|\\b(sk|pk|rk|xai|fw|sess|key|zk_live|or|AIza)[-_][A-Za-z0-9_\\-*.]{6,}|AIza[0-9A-Za-z_\\-]{20,})");
    private static final Pattern URLS = Pattern.compile("(?i)\\b(https?|wss?)://\\S+");
    private static final int MAX = 1_000;

    private SafeMessage() {}

    public static String scrub(String message) {
        if (message == null) return null;
        String s = SECRETS.matcher(message).replaceAll("[redacted]");
        s = URLS.matcher(s).replaceAll("[url]");
        return s.length() > MAX ? s.substring(0, MAX) + "…" : s;
    }
}
