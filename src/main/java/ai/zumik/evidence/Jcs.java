package ai.zumik.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme over Jackson trees: the one byte string a JSON value
 * signs as.
 *
 * <ul>
 *   <li>Object members sorted by their names as UTF-16 code units ({@link String#compareTo}), not
 *       by code points or UTF-8 bytes: {@code "\uD83D\uDE02"} sorts before {@code "\uFB33"}.
 *   <li>Strings escaped as §3.2.2.2 says: {@code \"}, {@code \\}, {@code \b \t \n \f \r}, other
 *       controls below U+0020 as {@code \}{@code u00xx} in lower case; everything else, U+007F and
 *       {@code /} included, as itself in UTF-8. A lone surrogate cannot be written and is refused.
 *   <li>Numbers are I-JSON numbers, that is IEEE 754 doubles, printed as ECMAScript's
 *       {@code Number.prototype.toString} does (§3.2.2.3): the shortest decimal that reads back to
 *       the same double, plain between 1e-6 and 1e21, exponent form outside. NaN and the infinities
 *       are refused. A Jackson node keeps the exact text of a number ({@code Json.MAPPER} reads
 *       decimals as exact BigDecimals); it is rounded to the nearest double here, once.
 * </ul>
 */
public final class Jcs {
    private Jcs() {}

    /** The canonical UTF-8 bytes of {@code value}; IllegalArgumentException when it cannot be canonicalized. */
    public static byte[] canonicalize(JsonNode value) {
        return text(value).getBytes(StandardCharsets.UTF_8);
    }

    /** The canonical form as a Java string (UTF-8 encode it to get the bytes that are signed). */
    public static String text(JsonNode value) {
        StringBuilder out = new StringBuilder(256);
        write(value, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
                // UTF-16 code unit order: exactly String.compareTo.
                members.sort(Map.Entry.comparingByKey());
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) out.append(',');
                    string(members.get(i).getKey(), out);
                    out.append(':');
                    write(members.get(i).getValue(), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) out.append(',');
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> string(node.textValue(), out);
            case NUMBER -> out.append(number(toDouble(node)));
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    /** The nearest double to the node's exact value (I-JSON numbers are doubles). */
    static double toDouble(JsonNode n) {
        if (n.isDouble() || n.isFloat()) return n.doubleValue();
        if (n.isInt() || n.isLong() || n.isShort()) return (double) n.longValue(); // round-to-nearest-even
        // BigDecimal and BigInteger: the decimal text, read with Java's correctly rounded parser.
        return Double.parseDouble(n.isBigDecimal() ? n.decimalValue().toString() : n.bigIntegerValue().toString());
    }

    /** RFC 8785 §3.2.2.3: ECMAScript's Number::toString of {@code d}. */
    public static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("NaN and Infinity are not JSON numbers");
        }
        if (d == 0) return "0"; // and -0
        Decimal s = shortest(Math.abs(d));
        String digits = s.digits;
        int k = digits.length();
        int n = s.pointAt; // value = 0.digits × 10^n, i.e. digits × 10^(n − k)
        StringBuilder out = new StringBuilder(26);
        if (d < 0) out.append('-');
        if (k <= n && n <= 21) {
            out.append(digits);
            for (int i = k; i < n; i++) out.append('0');
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.");
            for (int i = n; i < 0; i++) out.append('0');
            out.append(digits);
        } else {
            out.append(digits.charAt(0));
            if (k > 1) out.append('.').append(digits, 1, k);
            int e = n - 1;
            out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return out.toString();
    }

    /** Significant digits without trailing zeros, and where the decimal point goes. */
    private record Decimal(String digits, int pointAt) {
        static Decimal of(BigDecimal v) {
            BigDecimal t = v.stripTrailingZeros();
            String digits = t.unscaledValue().toString();
            return new Decimal(digits, digits.length() - t.scale());
        }
    }

    /**
     * The shortest decimal that reads back as {@code a} (positive, finite), the closest to it when
     * several are as short, the even one on a tie. Java's {@link Double#toString} (JDK 19 and later)
     * already makes that choice among decimals of two or more digits, but never prints fewer than
     * two: where one digit would do, it may pick a closer two-digit decimal ({@code 4.9E-324} where
     * ECMAScript says {@code 5e-324}). So a two-digit answer is checked against the two one-digit
     * decimals on either side of the exact value.
     */
    private static Decimal shortest(double a) {
        Decimal java = Decimal.of(new BigDecimal(Double.toString(a)));
        if (java.digits.length() != 2) return java;
        BigDecimal exact = new BigDecimal(a);
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal c = exact.round(new MathContext(1, mode));
            if (c.signum() == 0 || Double.parseDouble(c.toString()) != a) continue;
            if (best == null) {
                best = c;
                continue;
            }
            int cmp = c.subtract(exact).abs().compareTo(best.subtract(exact).abs());
            if (cmp < 0 || cmp == 0 && !c.unscaledValue().testBit(0)) best = c;
        }
        return best == null ? java : Decimal.of(best);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** RFC 8785 §3.2.2.2 (ECMAScript's JSON.stringify string rules). */
    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) throw loneSurrogate(i);
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isLowSurrogate(c)) {
                        throw loneSurrogate(i);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static IllegalArgumentException loneSurrogate(int at) {
        return new IllegalArgumentException("a string holds a lone UTF-16 surrogate at index " + at
                + "; it has no UTF-8 form (I-JSON forbids it)");
    }
}
