package ai.zumik.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The JDK's Ed25519 against RFC 8032's vectors, and the raw key forms JWK uses, both ways. */
class Ed25519Test {
    private static final HexFormat HEX = HexFormat.of();
    /** SubjectPublicKeyInfo for Ed25519: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33 bytes) }. */
    private static final byte[] X509_PREFIX = HEX.parseHex("302a300506032b6570032100");

    /** RFC 8032 §7.1, TEST 1–3: secret key, public key, message, signature. */
    @ParameterizedTest
    @CsvSource({
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, "
                    + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
                    + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, "
                    + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
                    + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7, "
                    + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82, "
                    + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    })
    void rfc8032Vectors(String secret, String publicKey, String message, String signature) throws Exception {
        byte[] msg = HEX.parseHex(message);
        var priv = Ed25519.privateKey(HEX.parseHex(secret));
        assertThat(HEX.formatHex(Ed25519.rawPrivate(priv))).isEqualTo(secret);
        assertThat(HEX.formatHex(Ed25519.sign(priv, msg))).isEqualTo(signature);
        PublicKey pub = Ed25519.publicKey(HEX.parseHex(publicKey));
        assertThat(HEX.formatHex(Ed25519.rawPublic(pub))).isEqualTo(publicKey);
        assertThat(Ed25519.verify(pub, msg, HEX.parseHex(signature))).isTrue();
        // The same key from its X.509 form, as any JDK or OpenSSL holds it.
        PublicKey fromX509 = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX,
                HEX.parseHex(publicKey))));
        assertThat(pub.getEncoded()).isEqualTo(fromX509.getEncoded());
        Signature stock = Signature.getInstance("Ed25519");
        stock.initVerify(fromX509);
        stock.update(msg);
        assertThat(stock.verify(HEX.parseHex(signature))).isTrue();
    }

    /**
     * Random keys, so both values of the x-odd bit occur: the raw form built from the curve point
     * equals the tail of the JDK's X.509 encoding, and a key rebuilt from it is the same key.
     */
    @Test
    void rawPublicKeysMatchTheX509TailBothWaysForOddAndEvenX() throws Exception {
        int odd = 0;
        for (int i = 0; i < 64; i++) {
            KeyPair pair = Ed25519.generate();
            byte[] encoded = pair.getPublic().getEncoded();
            assertThat(encoded).hasSize(44);
            assertThat(Arrays.copyOfRange(encoded, 0, 12)).isEqualTo(X509_PREFIX);
            byte[] raw = Ed25519.rawPublic(pair.getPublic());
            assertThat(raw).isEqualTo(Arrays.copyOfRange(encoded, 12, 44));
            if ((raw[31] & 0x80) != 0) odd++;
            PublicKey rebuilt = Ed25519.publicKey(raw);
            assertThat(rebuilt.getEncoded()).isEqualTo(encoded);
            byte[] sig = Ed25519.sign(pair.getPrivate(), raw);
            assertThat(Ed25519.verify(rebuilt, raw, sig)).isTrue();
            PublicKey viaX509 = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, raw)));
            assertThat(Ed25519.rawPublic(viaX509)).isEqualTo(raw);
        }
        assertThat(odd).as("keys with odd x were among the 64").isBetween(1, 63);
    }

    @Test
    void malformedPublicKeysAreRefused() {
        assertThatThrownBy(() -> Ed25519.publicKey(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        byte[] notCanonical = new byte[32];
        Arrays.fill(notCanonical, (byte) 0xff);
        notCanonical[31] = 0x7f; // y = 2^255 − 1 ≥ p
        assertThatThrownBy(() -> Ed25519.publicKey(notCanonical)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void base64urlIsStrict() {
        byte[] sig = new byte[64];
        sig[63] = 1;
        String good = Ed25519.base64url(sig);
        assertThat(good).hasSize(86).doesNotContain("=");
        assertThat(Ed25519.base64urlStrict(good)).isEqualTo(sig);
        // The last character carries 2 bits of data and 4 unused bits: a lenient decoder reads
        // "…E" and "…F" as the same bytes.
        String sameBytes = good.substring(0, 85) + (char) (good.charAt(85) + 1);
        assertThat(java.util.Base64.getUrlDecoder().decode(sameBytes)).as("the JDK decoder is lenient").isEqualTo(sig);
        assertThatThrownBy(() -> Ed25519.base64urlStrict(sameBytes)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ed25519.base64urlStrict(good + "==")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ed25519.base64urlStrict(good.replace('A', '+'))).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
