package ai.zumik.ids;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsArePrefixPlus26CrockfordCharactersWithEightyRandomBits() {
        Set<String> seen = new HashSet<>();
        int[] lastCharUse = new int[32];
        for (int i = 0; i < 20_000; i++) {
            String id = Ids.next("rsp_");
            assertThat(Ids.isValid(id, "rsp_")).as(id).isTrue();
            assertThat(seen.add(id)).isTrue();
            lastCharUse["0123456789abcdefghjkmnpqrstvwxyz".indexOf(id.charAt(id.length() - 1))]++;
        }
        long used = java.util.Arrays.stream(lastCharUse).filter(c -> c > 0).count();
        assertThat(used).as("all 32 symbols appear in the last position: the tail is random").isEqualTo(32);
        assertThat(Ids.isValid("rsp_0123456789abcdefghjkmnpqrs", "rsp_")).isTrue();
        assertThat(Ids.isValid("rsp_0123456789abcdefghjkmnpqru", "rsp_")).as("u is not Crockford").isFalse();
        assertThat(Ids.isValid("rsp_short", "rsp_")).isFalse();
    }

    @Test
    void virtualThreadsSharingGeneratorsNeverGetTheSameIdTwice() throws Exception {
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 2_000; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String id = i % 2 == 0 ? Ids.next("evt_", 0) : Ids.nextHex24("file-", 0);
                        seen.add(id);
                        made.incrementAndGet();
                    }
                });
            }
        }
        // Same time stamp everywhere: only the random tail tells them apart.
        assertThat(made.get()).isEqualTo(40_000);
        assertThat(seen).hasSize(40_000);
    }

    @Test
    void idsSortInCreationOrderAndCarryTheirCreationTime() {
        long t = 1_795_000_000_000L;
        String early = Ids.next("rsp_", t);
        String late = Ids.next("rsp_", t + 1);
        assertThat(early.compareTo(late)).isNegative();
        assertThat(Ids.createdAtMs(early, "rsp_")).isEqualTo(t);
        assertThat(Ids.lowerBound("rsp_", t).compareTo(early)).isLessThanOrEqualTo(0);
        assertThat(Ids.lowerBound("rsp_", t + 1).compareTo(early)).isPositive();
        assertThat(Ids.lowerBound("rsp_", t + 1).compareTo(late)).isLessThanOrEqualTo(0);
        assertThat(Ids.createdAtMs("rsp_nope", "rsp_")).isEqualTo(-1);
    }

    @Test
    void theCreationTimeOfAnIdWithLettersAfterUIsDecodedExactly() {
        // Crockford base32 skips u: v..z decode one lower than their place in the alphabet.
        for (long t : new long[] {1_796_604_412_847L, 0x3ffL * 31, (1L << 50) - 1, 1_765_000_000_000L}) {
            assertThat(Ids.createdAtMs(Ids.next("trc_", t), "trc_")).as("%d", t).isEqualTo(t);
        }
    }

    @Test
    void fileIdsAre24HexCharactersTimeFirstThenRandom() {
        long t = 1_795_000_000_000L;
        Set<String> seen = new HashSet<>();
        String previous = Ids.nextHex24("file-", t - 1);
        for (int i = 0; i < 2_000; i++) {
            String id = Ids.nextHex24("file-", t + i);
            assertThat(id).matches("file-[0-9a-f]{24}");
            assertThat(Ids.isValidHex24(id, "file-")).isTrue();
            assertThat(id.substring(5, 16)).isEqualTo(String.format("%011x", t + i));
            assertThat(id.compareTo(previous)).as("creation order").isPositive();
            assertThat(seen.add(id.substring(16))).as("random tail").isTrue();
            previous = id;
        }
        assertThat(Ids.isValidHex24("file-ABCDEF0123456789abcdef01", "file-")).as("lowercase only").isFalse();
        assertThat(Ids.isValidHex24("file-../../etc/passwd00000", "file-")).isFalse();
        assertThat(Ids.isValidHex24("file-0123", "file-")).isFalse();
    }
}
