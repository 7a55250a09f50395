package ai.zumik.evidence;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;

/**
 * Ed25519 (RFC 8032) with the JDK's own provider, and the raw key forms JWK (RFC 8037) uses.
 *
 * <p>A raw public key is the curve point's y coordinate in 32 little-endian bytes with the top bit
 * of the last byte set when x is odd; the JDK models it as an {@link EdECPoint} (a BigInteger y and
 * that bit). Its X.509 encoding is the same 32 bytes behind a fixed 12-byte prefix; going through
 * the point rather than slicing the encoding keeps each step checkable. A raw private key is the
 * 32-byte seed ({@link EdECPrivateKey#getBytes()}).
 */
public final class Ed25519 {
    public static final String ALG = "Ed25519";
    static final int KEY_BYTES = 32;
    static final int SIGNATURE_BYTES = 64;
    /** 2^255 − 19: a y coordinate at or above it is not canonical (RFC 8032 §5.1.3). */
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    private Ed25519() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALG).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** The raw 32-byte public key (the JWK's {@code x}). */
    public static byte[] rawPublic(PublicKey key) {
        if (!(key instanceof EdECPublicKey ed)) throw new IllegalArgumentException("not an Ed25519 public key");
        EdECPoint point = ed.getPoint();
        byte[] bigEndian = point.getY().toByteArray();
        byte[] raw = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES && i < bigEndian.length; i++) raw[i] = bigEndian[bigEndian.length - 1 - i];
        if (point.isXOdd()) raw[KEY_BYTES - 1] |= (byte) 0x80;
        return raw;
    }

    /** The public key whose raw form is {@code raw}; IllegalArgumentException when it cannot be one. */
    public static PublicKey publicKey(byte[] raw) {
        if (raw.length != KEY_BYTES) throw new IllegalArgumentException("an Ed25519 public key is 32 bytes, not " + raw.length);
        boolean xOdd = (raw[KEY_BYTES - 1] & 0x80) != 0;
        byte[] bigEndian = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++) bigEndian[i] = raw[KEY_BYTES - 1 - i];
        bigEndian[0] &= 0x7f;
        BigInteger y = new BigInteger(1, bigEndian);
        if (y.compareTo(P) >= 0) throw new IllegalArgumentException("not an Ed25519 public key (y is not below 2^255-19)");
        try {
            return KeyFactory.getInstance(ALG).generatePublic(
                    new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, y)));
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** The 32-byte private key (seed). */
    static byte[] rawPrivate(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey ed)) throw new IllegalArgumentException("not an Ed25519 private key");
        return ed.getBytes().orElseThrow(() -> new IllegalArgumentException("the private key's bytes are not extractable"));
    }

    static PrivateKey privateKey(byte[] seed) {
        if (seed.length != KEY_BYTES) throw new IllegalArgumentException("an Ed25519 private key is 32 bytes");
        try {
            return KeyFactory.getInstance(ALG).generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance(ALG);
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** True only for a valid signature; a malformed signature or point is simply not valid. */
    static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALG);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (SignatureException | InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** base64url without padding (RFC 7515 §2), as JWK and the signature member use. */
    public static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Decodes base64url without padding and accepts only the one canonical spelling of the bytes:
     * a lenient decoder ignores the unused low bits of the last character, so two spellings would
     * carry one signature and a changed character could go unnoticed.
     */
    public static byte[] base64urlStrict(String text) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64url");
        }
        if (!base64url(bytes).equals(text)) throw new IllegalArgumentException("not canonical base64url without padding");
        return bytes;
    }
}
