package ai.zumik.metering;

import ai.zumik.reuse.ReuseAccount;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The usage journal's binary form of a {@link UsageEvent}: a version byte, then every field in
 * declaration order. Strings are a length ({@code -1} for null) and UTF-8 bytes; nullable numbers a
 * presence byte and eight bytes; booleans one byte. Big-endian. Decoding rejects anything that does
 * not fit exactly, so a damaged record is refused rather than half-read.
 *
 * <p>Version 2 adds the decision template as its id and, only when asked, its JSON (the journal
 * writes a template's JSON once, in the first record that uses it). Version 3 appends the cost and
 * the price revision; version 4 the reuse account (a presence byte, then its fields). Records of
 * versions 1 to 3, left by an older build's crash, still decode: a version 1 decision is whole,
 * neither 1 nor 2 has a cost, and none has a reuse account.
 */
final class UsageEventCodec {
    static final byte VERSION = 4;
    private static final byte VERSION_PRICED = 3;
    private static final byte VERSION_UNPRICED = 2;
    private static final byte VERSION_WHOLE_DECISION = 1;

    private UsageEventCodec() {}

    /** @param withTemplate write the decision template's JSON, not only its id */
    static byte[] encode(UsageEvent e, boolean withTemplate) {
        DecisionTemplate t = e.decisionTemplate();
        String templateJson = withTemplate && t != null ? t.json() : null;
        Out o = new Out(512 + chars(templateJson) + chars(e.decision()) + chars(e.attempts()) + chars(e.qos())
                + chars(e.output()));
        o.b(VERSION);
        o.s(e.responseId());
        o.s(e.traceId());
        o.s(e.projectId());
        o.s(e.keyId());
        o.s(e.endpoint());
        o.s(e.requestedModel());
        o.s(e.provider());
        o.s(e.model());
        o.s(e.executionMode());
        o.s(e.executionProfile());
        o.b(e.stream() ? 1 : 0);
        o.i(e.status());
        o.s(e.outcome());
        o.s(e.errorCode());
        o.n(e.promptTokens());
        o.n(e.cachedTokens());
        o.n(e.cacheWriteTokens());
        o.n(e.completionTokens());
        o.n(e.reasoningTokens());
        o.n(e.ttftMs());
        o.l(e.latencyMs());
        o.l(e.createdAtMs());
        o.s(e.surface());
        o.s(e.aliasReleaseId());
        o.s(t == null ? null : t.id());
        o.s(templateJson);
        o.s(e.decision());
        o.s(e.attempts());
        o.s(e.qos());
        o.s(e.output());
        o.b(e.charged() ? 1 : 0);
        o.n(e.costNanos());
        o.s(e.priceRevision());
        ReuseAccount r = e.reuse();
        o.b(r == null ? 0 : 1);
        if (r != null) {
            o.l(r.eligibleTokens());
            o.l(r.candidateTokens());
            o.n(r.realizedTokens());
            o.s(r.prefixFamilyId());
            o.s(r.cacheTier());
            o.s(r.evidenceLevel());
            o.l(r.reuseWindowMs());
        }
        return o.bytes();
    }

    /** @throws IllegalArgumentException when {@code bytes} is not exactly one encoded event */
    static UsageEvent decode(byte[] bytes) {
        In in = new In(bytes);
        int version = in.b();
        if (version < VERSION_WHOLE_DECISION || version > VERSION) {
            throw new IllegalArgumentException("unknown usage record version");
        }
        UsageEvent e = new UsageEvent(in.s(), in.s(), in.s(), in.s(), in.s(), in.s(), in.s(), in.s(), in.s(), in.s(),
                in.bool(), in.i(), in.s(), in.s(), in.n(), in.n(), in.n(), in.n(), in.n(), in.n(), in.l(), in.l(),
                in.s(), in.s(), version >= VERSION_UNPRICED ? template(in.s(), in.s()) : null, in.s(), in.s(), in.s(),
                in.s(), in.bool(), version >= VERSION_PRICED ? in.n() : null, version >= VERSION_PRICED ? in.s() : null,
                version >= VERSION && in.bool() ? new ReuseAccount(in.l(), in.l(), in.n(), in.s(), in.s(), in.s(), in.l()) : null);
        if (in.pos != bytes.length) throw new IllegalArgumentException("trailing bytes after usage record");
        return e;
    }

    private static DecisionTemplate template(String id, String json) {
        if (id == null) {
            if (json != null) throw new IllegalArgumentException("decision template without an id");
            return null;
        }
        return new DecisionTemplate(id, json);
    }

    private static int chars(String s) {
        return s == null ? 0 : s.length();
    }

    private static final class Out {
        private byte[] buf;
        private int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void room(int n) {
            if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }

        void b(int v) {
            room(1);
            buf[pos++] = (byte) v;
        }

        void i(int v) {
            room(4);
            for (int shift = 24; shift >= 0; shift -= 8) buf[pos++] = (byte) (v >>> shift);
        }

        void l(long v) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) buf[pos++] = (byte) (v >>> shift);
        }

        void n(Long v) {
            b(v == null ? 0 : 1);
            if (v != null) l(v);
        }

        void s(String v) {
            if (v == null) {
                i(-1);
                return;
            }
            byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
            i(utf8.length);
            room(utf8.length);
            System.arraycopy(utf8, 0, buf, pos, utf8.length);
            pos += utf8.length;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, pos);
        }
    }

    private static final class In {
        private final byte[] buf;
        private int pos;

        In(byte[] buf) {
            this.buf = buf;
        }

        private void need(int n) {
            if (n < 0 || pos + n > buf.length) throw new IllegalArgumentException("usage record truncated");
        }

        int b() {
            need(1);
            return buf[pos++];
        }

        boolean bool() {
            int v = b();
            if (v != 0 && v != 1) throw new IllegalArgumentException("bad boolean in usage record");
            return v == 1;
        }

        int i() {
            need(4);
            int v = 0;
            for (int k = 0; k < 4; k++) v = (v << 8) | (buf[pos++] & 0xff);
            return v;
        }

        long l() {
            need(8);
            long v = 0;
            for (int k = 0; k < 8; k++) v = (v << 8) | (buf[pos++] & 0xff);
            return v;
        }

        Long n() {
            return bool() ? l() : null;
        }

        String s() {
            int len = i();
            if (len == -1) return null;
            need(len);
            String v = new String(buf, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return v;
        }
    }
}
