package ai.zumik.alias;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AliasNameTest {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    @Test
    void validNameAcceptsExactlyTheDocumentedPattern() {
        for (String ok : new String[] {"auto", "a", "0", "fast-cheap", "team.v2_b", "x".repeat(64)}) {
            assertThat(AliasRegistry.validName(ok)).as(ok).isTrue();
        }
        for (String bad : new String[] {null, "", "-auto", ".a", "_a", "Auto", "openai/gpt-4o", "a b", "x".repeat(65), "é"}) {
            assertThat(AliasRegistry.validName(bad)).as(String.valueOf(bad)).isFalse();
        }
        String alphabet = "az09._-A/ é";
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(0, 70);
            for (int k = 0; k < len; k++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            String s = sb.toString();
            assertThat(AliasRegistry.validName(s)).as(s).isEqualTo(NAME.matcher(s).matches());
        }
    }
}
