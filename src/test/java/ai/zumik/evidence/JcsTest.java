package ai.zumik.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 8785 canonicalization against the RFC's own number table (Appendix B), the reference
 * implementation's sample documents, and its ECMAScript number test sequence (1,000 lines kept
 * here, 1,000,000 checked by hash). See src/test/resources/jcs/SOURCE.md for where they come from.
 */
class JcsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arrays", "french", "structures", "unicode", "values", "weird"})
    void referenceSamplesCanonicalizeToTheExactExpectedBytes(String name) throws IOException {
        JsonNode input = Json.parse(resource(name + ".input.json"));
        byte[] expected = resource(name + ".output.json");
        byte[] expectedFromHex = HexFormat.of().parseHex(new String(resource(name + ".outhex.txt"),
                StandardCharsets.US_ASCII).replaceAll("\\s+", ""));
        assertThat(expected).as("output and outhex agree").isEqualTo(expectedFromHex);
        assertThat(new String(Jcs.canonicalize(input), StandardCharsets.UTF_8))
                .isEqualTo(new String(expected, StandardCharsets.UTF_8));
        assertThat(Jcs.canonicalize(input)).isEqualTo(expected);
    }

    /** RFC 8785 Appendix B, "Number Serialization Samples" (also checked against Node.js). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0000000000000000, 0",
            "8000000000000000, 0",
            "0000000000000001, 5e-324",
            "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308",
            "ffefffffffffffff, -1.7976931348623157e+308",
            "4340000000000000, 9007199254740992",
            "c340000000000000, -9007199254740992",
            "4430000000000000, 295147905179352830000",
            "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23",
            "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000",
            "444b1ae4d6e2ef4f, 999999999999999900000",
            "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
            "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332",
            "41b3de4355555554, 333333333.33333325",
            "41b3de4355555555, 333333333.3333333",
            "41b3de4355555556, 333333333.3333334",
            "41b3de4355555557, 333333333.33333343",
            "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2",
    })
    void appendixBNumbers(String ieeeHex, String expected) {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));
        assertThat(Jcs.number(d)).isEqualTo(expected);
        assertThat(new String(Jcs.canonicalize(DoubleNode.valueOf(d)), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7fffffffffffffff", "7ff0000000000000", "fff0000000000000", "7ff8000000000000"})
    void appendixBNaNAndInfinityAreRefused(String ieeeHex) {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));
        assertThatThrownBy(() -> Jcs.number(d)).isInstanceOf(IllegalArgumentException.class);
        ObjectNode doc = Json.object().put("x", d);
        assertThatThrownBy(() -> Jcs.canonicalize(doc)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFirstThousandLinesOfTheReferenceNumberFileMatchLineByLine() throws Exception {
        byte[] file = resource("es6numbers-1000.txt");
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)))
                .as("the file is the one the reference README publishes a hash for")
                .isEqualTo("be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687");
        List<String> lines = new String(file, StandardCharsets.US_ASCII).lines().toList();
        assertThat(lines).hasSize(1000);
        for (String line : lines) {
            int comma = line.indexOf(',');
            double d = Double.longBitsToDouble(Long.parseUnsignedLong(line.substring(0, comma), 16));
            assertThat(Jcs.number(d)).as(line).isEqualTo(line.substring(comma + 1));
        }
    }

    /**
     * The reference test sequence (testdata/numgen.js) regenerated here; the SHA-256 of the lines
     * "hex,jcs\n" must equal the hash testdata/README.md publishes for its first 1,000,000 lines,
     * so every one of the million values is printed exactly as ECMAScript prints it.
     */
    @Test
    void aMillionReferenceNumbersHashToThePublishedValue() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        NumGen gen = new NumGen();
        StringBuilder line = new StringBuilder(48);
        for (int i = 0; i < 1_000_000; i++) {
            double d = gen.next();
            line.setLength(0);
            line.append(Long.toHexString(Double.doubleToRawLongBits(d))).append(',').append(Jcs.number(d)).append('\n');
            sha.update(line.toString().getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(HexFormat.of().formatHex(sha.digest()))
                .isEqualTo("49415fee2c56c77864931bd3624faad425c3c577d6d74e89a83bc725506dad16");
    }

    @Test
    void membersSortByUtf16CodeUnitsNotByCodePointsOrUtf8() {
        ObjectNode o = Json.object();
        o.put("\uFB33", 1); // U+FB33: UTF-16 FB33
        o.put("\uD83D\uDE02", 2); // U+1F602: UTF-16 D83D DE02, sorts first though its code point is larger
        o.put("\u00F6", 3);
        o.put("a", 4);
        o.put("B", 5);
        assertThat(Jcs.text(o)).isEqualTo("{\"B\":5,\"a\":4,\"\u00F6\":3,\"\uD83D\uDE02\":2,\"\uFB33\":1}");
    }

    @Test
    void nestedObjectsAreSortedAndArraysKeepTheirOrder() throws IOException {
        JsonNode in = Json.parse("{\"b\":[3,1,{\"z\":true,\"y\":null}],\"a\":{\"d\":\"x\",\"c\":-0.0}}".getBytes(StandardCharsets.UTF_8));
        assertThat(Jcs.text(in)).isEqualTo("{\"a\":{\"c\":0,\"d\":\"x\"},\"b\":[3,1,{\"y\":null,\"z\":true}]}");
    }

    @Test
    void stringsAreEscapedExactlyAsSection3222Says() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x20; c++) all.append(c);
        all.append("\"\\/\u007F\u0080\u2028\u2029\uFEFF\uD83D\uDE02");
        String json = Jcs.text(Json.NODES.textNode(all.toString()));
        assertThat(json).isEqualTo("\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
                + "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b"
                + "\\u001c\\u001d\\u001e\\u001f\\\"\\\\/\u007F\u0080\u2028\u2029\uFEFF\uD83D\uDE02\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "a\uDC00", "\uD83Dx", "x\uDE02\uD83D"})
    void loneSurrogatesAreRefused(String s) {
        assertThatThrownBy(() -> Jcs.canonicalize(Json.NODES.textNode(s))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lone UTF-16 surrogate");
        ObjectNode asName = Json.object().put(s, 1);
        assertThatThrownBy(() -> Jcs.canonicalize(asName)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Jackson keeps numbers exact (Json.MAPPER); each kind is read as the nearest double. */
    @Test
    void everyJacksonNumberKindIsReadAsTheNearestDouble() throws IOException {
        JsonNode in = Json.parse(("[1,-1,9007199254740993,12345678901234567890123,1E30,4.50,2e-3,0.000000000000000000000000001,"
                + "333333333.33333329,56.0,-0,1e-7,123456789012345680000,0.1]").getBytes(StandardCharsets.UTF_8));
        assertThat(Jcs.text(in)).isEqualTo("[1,-1,9007199254740992,1.2345678901234568e+22,1e+30,4.5,0.002,1e-27,"
                + "333333333.3333333,56,0,1e-7,123456789012345680000,0.1]");
        assertThat(Jcs.text(Json.NODES.numberNode(new BigInteger("-9007199254740993")))).isEqualTo("-9007199254740992");
        assertThat(Jcs.text(Json.NODES.numberNode(0.1f))).isEqualTo("0.10000000149011612");
        assertThat(Jcs.text(Json.NODES.numberNode(Long.MIN_VALUE))).isEqualTo("-9223372036854776000");
    }

    @Test
    void aNumberTooLargeForADoubleIsRefused() throws IOException {
        JsonNode in = Json.parse("{\"x\":1e400}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Jcs.canonicalize(in)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneDigitIsPreferredWhereJavaWouldPrintTwo() {
        assertThat(Double.toString(Double.MIN_VALUE)).as("Java's own choice").isEqualTo("4.9E-324");
        assertThat(Jcs.number(Double.MIN_VALUE)).isEqualTo("5e-324");
        assertThat(Jcs.number(2 * Double.MIN_VALUE)).isEqualTo("1e-323");
        assertThat(Jcs.number(1e23)).isEqualTo("1e+23");
        assertThat(Jcs.number(5e-324 * 3)).isEqualTo("1.5e-323");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = JcsTest.class.getResourceAsStream("/jcs/" + name)) {
            if (in == null) throw new IOException("missing test resource jcs/" + name);
            return in.readAllBytes();
        }
    }

    /** testdata/numgen.js: fixed edge cases, 2,000 consecutive small doubles, then a SHA-256 chain. */
    private static final class NumGen {
        private static final long[] STATIC = {
            0x0000000000000000L, 0x8000000000000000L, 0x0000000000000001L, 0x8000000000000001L,
            0xc46696695dbd1cc3L, 0xc43211ede4974a35L, 0xc3fce97ca0f21056L, 0xc3c7213080c1a6acL,
            0xc39280f39a348556L, 0xc35d9b1f5d20d557L, 0xc327af4c4a80aaacL, 0xc2f2f2a36ecd5556L,
            0xc2be51057e155558L, 0xc28840d131aaaaacL, 0xc253670dc1555557L, 0xc21f0b4935555557L,
            0xc1e8d5d42aaaaaacL, 0xc1b3de4355555556L, 0xc17fca0555555556L, 0xc1496e6aaaaaaaabL,
            0xc114585555555555L, 0xc0e046aaaaaaaaabL, 0xc0aa0aaaaaaaaaaaL, 0xc074d55555555555L,
            0xc040aaaaaaaaaaabL, 0xc00aaaaaaaaaaaabL, 0xbfd5555555555555L, 0xbfa1111111111111L,
            0xbf6b4e81b4e81b4fL, 0xbf35d867c3ece2a5L, 0xbf0179ec9cbd821eL, 0xbecbf647612f3696L,
            0xbe965e9f80f29212L, 0xbe61e54c672874dbL, 0xbe2ca213d840baf8L, 0xbdf6e80fe033c8c6L,
            0xbdc2533fe68fd3d2L, 0xbd8d51ffd74c861cL, 0xbd5774ccac3d3817L, 0xbd22c3d6f030f9acL,
            0xbcee0624b3818f79L, 0xbcb804ea293472c7L, 0xbc833721ba905bd3L, 0xbc4ebe9c5db3c61eL,
            0xbc18987d17c304e5L, 0xbbe3ad30dfcf371dL, 0xbbaf7b816618582fL, 0xbb792f9ab81379bfL,
            0xbb442615600f9499L, 0xbb101e77800c76e1L, 0xbad9ca58cce0be35L, 0xbaa4a1e0a3e6fe90L,
            0xba708180831f320dL, 0xba3a68cd9e985016L, 0x446696695dbd1cc3L, 0x443211ede4974a35L,
            0x43fce97ca0f21056L, 0x43c7213080c1a6acL, 0x439280f39a348556L, 0x435d9b1f5d20d557L,
            0x4327af4c4a80aaacL, 0x42f2f2a36ecd5556L, 0x42be51057e155558L, 0x428840d131aaaaacL,
            0x4253670dc1555557L, 0x421f0b4935555557L, 0x41e8d5d42aaaaaacL, 0x41b3de4355555556L,
            0x417fca0555555556L, 0x41496e6aaaaaaaabL, 0x4114585555555555L, 0x40e046aaaaaaaaabL,
            0x40aa0aaaaaaaaaaaL, 0x4074d55555555555L, 0x4040aaaaaaaaaaabL, 0x400aaaaaaaaaaaabL,
            0x3fd5555555555555L, 0x3fa1111111111111L, 0x3f6b4e81b4e81b4fL, 0x3f35d867c3ece2a5L,
            0x3f0179ec9cbd821eL, 0x3ecbf647612f3696L, 0x3e965e9f80f29212L, 0x3e61e54c672874dbL,
            0x3e2ca213d840baf8L, 0x3df6e80fe033c8c6L, 0x3dc2533fe68fd3d2L, 0x3d8d51ffd74c861cL,
            0x3d5774ccac3d3817L, 0x3d22c3d6f030f9acL, 0x3cee0624b3818f79L, 0x3cb804ea293472c7L,
            0x3c833721ba905bd3L, 0x3c4ebe9c5db3c61eL, 0x3c18987d17c304e5L, 0x3be3ad30dfcf371dL,
            0x3baf7b816618582fL, 0x3b792f9ab81379bfL, 0x3b442615600f9499L, 0x3b101e77800c76e1L,
            0x3ad9ca58cce0be35L, 0x3aa4a1e0a3e6fe90L, 0x3a708180831f320dL, 0x3a3a68cd9e985016L,
            0x4024000000000000L, 0x4014000000000000L, 0x3fe0000000000000L, 0x3fa999999999999aL,
            0x3f747ae147ae147bL, 0x3f40624dd2f1a9fcL, 0x3f0a36e2eb1c432dL, 0x3ed4f8b588e368f1L,
            0x3ea0c6f7a0b5ed8dL, 0x3e6ad7f29abcaf48L, 0x3e35798ee2308c3aL, 0x3ed539223589fa95L,
            0x3ed4ff26cd5a7781L, 0x3ed4f95a762283ffL, 0x3ed4f8c60703520cL, 0x3ed4f8b72f19cd0dL,
            0x3ed4f8b5b31c0c8dL, 0x3ed4f8b58d1c461aL, 0x3ed4f8b5894f7f0eL, 0x3ed4f8b588ee37f3L,
            0x3ed4f8b588e47da4L, 0x3ed4f8b588e3849cL, 0x3ed4f8b588e36bb5L, 0x3ed4f8b588e36937L,
            0x3ed4f8b588e368f8L, 0x3ed4f8b588e368f1L, 0x3ff0000000000000L, 0xbff0000000000000L,
            0xbfeffffffffffffaL, 0xbfeffffffffffffbL, 0x3feffffffffffffaL, 0x3feffffffffffffbL,
            0x3feffffffffffffcL, 0x3feffffffffffffeL, 0xbfefffffffffffffL, 0xbfefffffffffffffL,
            0x3fefffffffffffffL, 0x3fefffffffffffffL, 0x3fd3333333333332L, 0x3fd3333333333333L,
            0x3fd3333333333334L, 0x0010000000000000L, 0x000ffffffffffffdL, 0x000fffffffffffffL,
            0x7fefffffffffffffL, 0xffefffffffffffffL, 0x4340000000000000L, 0xc340000000000000L,
            0x4430000000000000L, 0x44b52d02c7e14af5L, 0x44b52d02c7e14af6L, 0x44b52d02c7e14af7L,
            0x444b1ae4d6e2ef4eL, 0x444b1ae4d6e2ef4fL, 0x444b1ae4d6e2ef50L, 0x3eb0c6f7a0b5ed8cL,
            0x3eb0c6f7a0b5ed8dL, 0x41b3de4355555553L, 0x41b3de4355555554L, 0x41b3de4355555555L,
            0x41b3de4355555556L, 0x41b3de4355555557L, 0xbecbf647612f3696L, 0x43143ff3c1cb0959L
        };
        private int idx;
        private byte[] block = new byte[32];
        private ByteBuffer data = ByteBuffer.allocate(0);

        double next() {
            double f;
            if (idx < STATIC.length) {
                f = Double.longBitsToDouble(STATIC[idx]);
            } else if (idx < STATIC.length + 2000) {
                f = Double.longBitsToDouble(0x0010000000000000L + (idx - STATIC.length));
            } else {
                f = 0;
                while (f == 0 || !Double.isFinite(f)) {
                    if (!data.hasRemaining()) {
                        try {
                            block = MessageDigest.getInstance("SHA-256").digest(block);
                        } catch (java.security.NoSuchAlgorithmException e) {
                            throw new IllegalStateException(e);
                        }
                        data = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    f = data.getDouble();
                }
            }
            idx++;
            return f;
        }
    }
}
