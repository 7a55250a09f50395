package ai.zumik.reuse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.catalog.Capabilities;
import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ReuseLedgerTest {
    static final FingerprintKey KEY = FingerprintKey.of("fpk_a", new byte[32]);
    static final Capabilities.PromptCache OPENAI = new Capabilities.PromptCache("automatic", 1024, 0.5, 0, 600, 0, 0);

    static ChatMessage msg(ChatMessage.Role role, String... parts) {
        List<ContentPart> content = new ArrayList<>();
        for (String p : parts) content.add(new ContentPart.Text(p));
        return new ChatMessage(role, content, parts.length == 1, null, null, null);
    }

    static ChatRequest chat(ChatMessage... messages) {
        return new ChatRequest(null, "m", List.of(messages), false, false, null, 1, null, null, List.of(), List.of(), null, null,
                null, null, null, null);
    }

    @Test
    void theKeyComputesStandardHmacSha256() throws Exception {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        FingerprintKey k = FingerprintKey.of("fpk_x", secret);
        var running = k.begin();
        running.update("hello".getBytes(StandardCharsets.US_ASCII));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        assertThat(k.mark(running)).isEqualTo(mac.doFinal("hello".getBytes(StandardCharsets.US_ASCII)));
        running.update(" world".getBytes(StandardCharsets.US_ASCII));
        assertThat(k.mark(running)).as("a mark leaves the running HMAC going")
                .isEqualTo(mac.doFinal("hello world".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void fingerprintsFollowThePromptExactlyAndTheKey() {
        ChatRequest a = chat(msg(ChatMessage.Role.SYSTEM, "ab", "c"), msg(ChatMessage.Role.USER, "q"));
        ChatRequest sameAgain = chat(msg(ChatMessage.Role.SYSTEM, "ab", "c"), msg(ChatMessage.Role.USER, "q"));
        ChatRequest split = chat(msg(ChatMessage.Role.SYSTEM, "a", "bc"), msg(ChatMessage.Role.USER, "q"));
        ChatRequest role = chat(msg(ChatMessage.Role.DEVELOPER, "ab", "c"), msg(ChatMessage.Role.USER, "q"));
        PromptPrefix p = PromptPrefix.of(a, KEY);
        assertThat(PromptPrefix.of(sameAgain, KEY).fingerprints()).isEqualTo(p.fingerprints());
        assertThat(PromptPrefix.of(split, KEY).fingerprints()[0]).as("parts are length-prefixed").isNotEqualTo(p.fingerprints()[0]);
        assertThat(PromptPrefix.of(role, KEY).fingerprints()[0]).isNotEqualTo(p.fingerprints()[0]);
        assertThat(PromptPrefix.of(a, FingerprintKey.of("fpk_b", new byte[] {1})).fingerprints()[0])
                .as("another key, another fingerprint").isNotEqualTo(p.fingerprints()[0]);
        assertThat(p.stableBlocks()).isEqualTo(1);
        assertThat(p.familyId()).isEqualTo("pf_" + p.fingerprintHex(0));
        ChatRequest longer = chat(msg(ChatMessage.Role.SYSTEM, "ab", "c"), msg(ChatMessage.Role.USER, "q"),
                msg(ChatMessage.Role.ASSISTANT, "r"), msg(ChatMessage.Role.USER, "q2"));
        PromptPrefix l = PromptPrefix.of(longer, KEY);
        assertThat(l.fingerprints()[1]).as("a prefix's fingerprint does not depend on what follows").isEqualTo(p.fingerprints()[1]);
        assertThat(l.familyId()).isEqualTo(p.familyId());
    }

    @Test
    void theAccountsInvariantsHoldWhateverTheProviderSays() {
        Random r = new Random(7);
        PrefixWindow window = new PrefixWindow(10_000, 3_600_000);
        String policy = "x".repeat(6_000);
        for (int i = 0; i < 2_000; i++) {
            ChatRequest req = chat(msg(ChatMessage.Role.SYSTEM, r.nextInt(4) == 0 ? policy + i : policy),
                    msg(ChatMessage.Role.USER, "q" + r.nextInt(5)), msg(ChatMessage.Role.USER, "n" + i));
            long input = 1 + r.nextInt(5_000);
            Long cached = switch (r.nextInt(3)) {
                case 0 -> null;
                case 1 -> 0L;
                default -> (long) r.nextInt(6_000);
            };
            ReuseAccount a = ReuseLedger.settle(PromptPrefix.of(req, KEY), window, input, cached, OPENAI, i * 1_000L);
            assertThat(input).isGreaterThanOrEqualTo(a.eligibleTokens());
            assertThat(a.eligibleTokens()).isGreaterThanOrEqualTo(a.candidateTokens());
            assertThat(a.candidateTokens()).isGreaterThanOrEqualTo(a.realizedOrZero());
            assertThat(a.realizedOrZero()).isNotNegative();
            assertThat(a.missedTokens()).isEqualTo(a.candidateTokens() - a.realizedOrZero());
            if (cached == null) {
                assertThat(a.realizedTokens()).as("no counter, no realized number").isNull();
                assertThat(a.evidenceLevel()).isEqualTo("unknown");
            } else {
                assertThat(a.evidenceLevel()).isEqualTo("provider_reported");
            }
        }
    }

    @Test
    void aPrefixOlderThanTheWindowIsNoLongerACandidate() {
        PrefixWindow window = new PrefixWindow(100, 3_600_000);
        ChatRequest req = chat(msg(ChatMessage.Role.SYSTEM, "y".repeat(8_000)), msg(ChatMessage.Role.USER, "q"));
        ReuseLedger.settle(PromptPrefix.of(req, KEY), window, 2_010, 0L, OPENAI, 0);
        assertThat(ReuseLedger.settle(PromptPrefix.of(req, KEY), window, 2_010, 0L, OPENAI, 600_000).candidateTokens())
                .as("within the 600 s TTL").isPositive();
        assertThat(ReuseLedger.settle(PromptPrefix.of(req, KEY), window, 2_010, 0L, OPENAI, 1_200_001).candidateTokens())
                .as("600 s after it was last sent").isZero();
    }

    @Test
    void aFullWindowForgetsRatherThanGrows() {
        PrefixWindow window = new PrefixWindow(50, 1_000);
        for (int i = 0; i < 500; i++) {
            window.remember(PromptPrefix.of(chat(msg(ChatMessage.Role.USER, "u" + i)), KEY), i);
        }
        assertThat(window.size()).isLessThanOrEqualTo(50);
    }
}
