package ai.zumik.state;

import ai.zumik.state.StateObjects.Event;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.List;

/**
 * What compiling a turn would otherwise read again on every turn, kept per replica so a turn on a
 * warm line costs one query (the branch head): each branch's own events, each bundle's items and
 * each artifact's content. All three are immutable once written except by a purge (which deletes
 * rows and clears events' payload references) and, for bundles, a deletion. Every entry carries the
 * project's namespace generation and state epoch as they were when it was read, and is used only
 * while the values read with the branch head — in the same query — are still the same. A purge bumps
 * the generation, and the epoch in the very transaction that deletes (so nothing read before the
 * deletion outlives it); deleting a bundle bumps the epoch in the transaction that revokes it. So a
 * purge or a deletion on any replica retires what every replica holds.
 *
 * <p>On top of those, what a line compiles to ({@link Body}) is kept by its head event, bundles and
 * tag, so the turns of one line (and of its forks at the same event) share one compiled body.
 *
 * <p>Bounded: {@value #MAX_LINES} branch lines, {@value #MAX_BUNDLES} bundles, {@value #MAX_BODIES}
 * compiled bodies and
 * {@code ZUMIK_STATE_CACHE_MB} of artifact text (64 MiB by default; 0 turns the cache off).
 */
public final class StateCache {
    static final int MAX_LINES = 20_000;
    static final int MAX_BUNDLES = 10_000;
    static final int MAX_BODIES = 2_000;

    /** The project's namespace generation and state epoch, read with the branch head; entries are valid under an equal tag. */
    public record Tag(long generation, long epoch) {}

    /**
     * A branch's own events (sequence {@code forkSequence + 1} onward, contiguous) up to
     * {@code knownVersion}, and where its line continues.
     */
    record Line(String parentBranchId, long forkSequence, List<Event> own, long knownVersion, Tag tag) {
        /** Its own events with sequence ≤ {@code limit} (≤ {@code knownVersion}). */
        List<Event> upTo(long limit) {
            return own.subList(0, (int) (Math.max(limit, forkSequence) - forkSequence));
        }
    }

    /** An artifact's digest and text. */
    record Content(String sha256, String text) {}

    private record TaggedContent(Content content, Tag tag) {}

    private record Items(ArrayNode items, Tag tag) {}

    private record Key(String project, String id) {}

    /**
     * What a line compiles to, the same for every snapshot of it: the head event fixes the whole
     * line (events never change but by a purge), the base bundles their items.
     */
    record Body(ArrayNode ordered, com.fasterxml.jackson.databind.node.ObjectNode versions, ArrayNode blocks,
                SnapshotCompiler.Materialized materialized, SnapshotCompiler.Serialized serialized) {}

    private record BodyKey(String project, String headEventId, long version, List<String> bundles, Tag tag) {}

    private final boolean enabled;
    private final Cache<String, Line> lines;
    private final Cache<Key, Items> bundles;
    private final Cache<Key, TaggedContent> contents;
    private final Cache<BodyKey, Body> bodies;

    /** @param maxContentBytes artifact text kept, in UTF-16 code units × 2; 0 keeps nothing at all */
    public StateCache(long maxContentBytes) {
        this.enabled = maxContentBytes > 0;
        this.lines = Caffeine.newBuilder().executor(Runnable::run).maximumSize(enabled ? MAX_LINES : 0).build();
        this.bundles = Caffeine.newBuilder().executor(Runnable::run).maximumSize(enabled ? MAX_BUNDLES : 0).build();
        this.contents = Caffeine.newBuilder().executor(Runnable::run).maximumWeight(Math.max(0, maxContentBytes))
                .<Key, TaggedContent>weigher((k, v) -> 64 + 2 * v.content().text().length()).build();
        this.bodies = Caffeine.newBuilder().executor(Runnable::run).maximumSize(enabled ? MAX_BODIES : 0).build();
    }

    /** The cache the composition root makes from {@code ZUMIK_STATE_CACHE_MB}. */
    public static StateCache ofMegabytes(long megabytes) {
        return new StateCache(megabytes * 1024 * 1024);
    }

    Line line(String branchId, Tag tag) {
        Line l = lines.getIfPresent(branchId);
        return l != null && l.tag().equals(tag) ? l : null;
    }

    void putLine(String branchId, Line line) {
        if (enabled) lines.put(branchId, line);
    }

    /**
     * A turn appended {@code added} to {@code branchId} at {@code fromVersion}: its line grows when
     * the cache knew it up to exactly that version (the append won the compare-and-swap, so nothing
     * else came between), and the texts the turn created are kept under the line's tag.
     */
    void appended(String project, String branchId, long fromVersion, List<Event> added, List<StateObjects.Artifact> made) {
        Line l = lines.getIfPresent(branchId);
        if (l == null || l.knownVersion() != fromVersion) return;
        List<Event> own = new ArrayList<>(l.own().size() + added.size());
        own.addAll(l.own());
        own.addAll(added);
        lines.put(branchId, new Line(l.parentBranchId(), l.forkSequence(), List.copyOf(own), fromVersion + added.size(), l.tag()));
        for (StateObjects.Artifact a : made) putContent(project, a.id(), new Content(a.sha256(), a.content()), l.tag());
    }

    ArrayNode bundleItems(String project, String bundleId, Tag tag) {
        Items i = bundles.getIfPresent(new Key(project, bundleId));
        return i != null && i.tag().equals(tag) ? i.items() : null;
    }

    void putBundleItems(String project, String bundleId, ArrayNode items, Tag tag) {
        if (enabled) bundles.put(new Key(project, bundleId), new Items(items, tag));
    }

    Content content(String project, String artifactId, Tag tag) {
        TaggedContent t = contents.getIfPresent(new Key(project, artifactId));
        return t != null && t.tag().equals(tag) ? t.content() : null;
    }

    void putContent(String project, String artifactId, Content content, Tag tag) {
        if (enabled) contents.put(new Key(project, artifactId), new TaggedContent(content, tag));
    }

    Body body(String project, String headEventId, long version, List<String> bundles, Tag tag) {
        return bodies.getIfPresent(new BodyKey(project, headEventId, version, bundles, tag));
    }

    void putBody(String project, String headEventId, long version, List<String> bundles, Tag tag, Body body) {
        if (enabled) bodies.put(new BodyKey(project, headEventId, version, List.copyOf(bundles), tag), body);
    }
}
