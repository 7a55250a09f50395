package ai.zumik.reuse;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The fingerprints of recently sent prefixes and when each was last sent: what makes a later
 * prefix a <em>candidate</em> for reuse. A prefix is a candidate up to the longest block boundary
 * whose fingerprint was sent within the reuse window and that holds at least the provider's minimum
 * cacheable prefix.
 *
 * <p>Each prompt remembers its stable prefix and its last few boundaries (an agent's next turn
 * extends its last prompt; a fork or a sibling request shares the stable prefix), not every
 * boundary, which keeps the cost per request flat however long the conversation. Bounded: past
 * {@code maxEntries} the entries older than the longest window go, and if that is not enough,
 * everything does — fewer candidates afterwards, never a wrong one.
 */
public final class PrefixWindow {
    /** Trailing boundaries remembered per prompt besides the stable prefix. */
    static final int TRAILING = 4;
    private final ConcurrentHashMap<Long, Long> lastSent = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final long longestWindowMs;

    public PrefixWindow(int maxEntries, long longestWindowMs) {
        this.maxEntries = maxEntries;
        this.longestWindowMs = longestWindowMs;
    }

    /**
     * The longest boundary of {@code p} sent within {@code windowMs} before {@code nowMs} whose
     * tokens reach {@code minTokens}, or -1.
     */
    public int longestSeen(PromptPrefix p, long nowMs, long windowMs, long minTokens) {
        long[] fps = p.fingerprints();
        long[] marks = p.marks();
        for (int i = fps.length - 1; i >= 0 && marks[i] >= minTokens; i--) {
            Long at = lastSent.get(fps[i]);
            if (at != null && nowMs - at <= windowMs) return i;
        }
        return -1;
    }

    /** Records that {@code p} was sent at {@code nowMs}. */
    public void remember(PromptPrefix p, long nowMs) {
        long[] fps = p.fingerprints();
        if (fps.length == 0) return;
        if (lastSent.size() >= maxEntries) evict(nowMs);
        if (p.stableBlocks() > 0) lastSent.put(fps[p.stableBlocks() - 1], nowMs);
        for (int i = Math.max(p.stableBlocks(), fps.length - TRAILING); i < fps.length; i++) lastSent.put(fps[i], nowMs);
    }

    public int size() {
        return lastSent.size();
    }

    private void evict(long nowMs) {
        lastSent.values().removeIf(at -> nowMs - at > longestWindowMs);
        if (lastSent.size() >= maxEntries) lastSent.clear();
    }
}
