package ai.zumik.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RawKeysTest {
    @Test
    void generatedKeysHaveTheDocumentedShapeAndAStableHash() {
        String k = RawKeys.generate();
        assertThat(k).matches("zk_live_[A-Za-z0-9_-]{32}");
        assertThat(RawKeys.wellFormed(k)).isTrue();
        assertThat(RawKeys.hash(k)).hasSize(64).isEqualTo(RawKeys.hash(k)).doesNotContain(k.substring(8));
        assertThat(RawKeys.mask(k)).startsWith("zk_live_" + k.substring(8, 12) + "…").endsWith(k.substring(k.length() - 4));
    }

    @Test
    void malformedKeysAreRejectedBeforeAnyLookup() {
        assertThat(RawKeys.wellFormed(null)).isFalse();
        assertThat(RawKeys.wellFormed("sk-proj-abc")).isFalse();
        assertThat(RawKeys.wellFormed("zk_live_" + "a".repeat(31))).isFalse();
        assertThat(RawKeys.wellFormed("zk_live_" + "a".repeat(31) + "!")).isFalse();
    }

    @Test
    void adminSatisfiesReadButNothingImpliesInference() {
        assertThat(Scope.READ.satisfiedBy(java.util.EnumSet.of(Scope.ADMIN))).isTrue();
        assertThat(Scope.INFERENCE.satisfiedBy(java.util.EnumSet.of(Scope.ADMIN, Scope.READ))).isFalse();
        assertThat(Scope.ADMIN.satisfiedBy(java.util.EnumSet.of(Scope.READ))).isFalse();
    }
}
