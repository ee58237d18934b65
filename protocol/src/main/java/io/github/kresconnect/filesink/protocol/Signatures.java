package io.github.kresconnect.filesink.protocol;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 signatures of transfers ({@link SignedFile}) and their keys, with the JDK's own provider. Keys are
 * PEM: a private key as {@code -----BEGIN PRIVATE KEY-----} (PKCS#8, as {@code openssl genpkey -algorithm
 * ed25519} writes it), a public key as {@code -----BEGIN PUBLIC KEY-----} (X.509 SubjectPublicKeyInfo, as
 * {@code openssl pkey -pubout} writes it). A key's id is the first 16 hexadecimal digits of the SHA-256 of its
 * public key's X.509 DER encoding.
 */
public final class Signatures {
    public static final String ALGORITHM = "Ed25519";
    /** An Ed25519 signature's length in bytes. */
    public static final int SIGNATURE_BYTES = 64;

    private static final String PUBLIC_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PUBLIC_END = "-----END PUBLIC KEY-----";
    private static final String PRIVATE_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PRIVATE_END = "-----END PRIVATE KEY-----";
    private static final Pattern PUBLIC_BLOCK = Pattern.compile(Pattern.quote(PUBLIC_BEGIN) + "(.*?)"
            + Pattern.quote(PUBLIC_END), Pattern.DOTALL);
    private static final Pattern PRIVATE_BLOCK = Pattern.compile(Pattern.quote(PRIVATE_BEGIN) + "(.*?)"
            + Pattern.quote(PRIVATE_END), Pattern.DOTALL);
    private static final HexFormat HEX = HexFormat.of();

    private Signatures() {
    }

    /** A fresh Ed25519 key pair from the platform's strong randomness. */
    public static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has Ed25519", e);
        }
    }

    /** The key's id: the first 16 lowercase hexadecimal digits of the SHA-256 of its X.509 DER encoding. */
    public static String keyId(PublicKey key) {
        byte[] digest = TransferIntegrity.newSha256().digest(key.getEncoded());
        return HEX.formatHex(digest, 0, ProtocolHeaders.KEY_ID_HEX_DIGITS / 2);
    }

    /** The signature of the transfer, as the {@link ProtocolHeaders#SIGNATURE} header carries it (base64). */
    public static String sign(PrivateKey key, SignedFile file) {
        return sign(key, file.canonicalForm());
    }

    /**
     * The base64 signature of a canonical form: a transfer's ({@link SignedFile#canonicalForm()}) or a batch's
     * ({@link SignatureBatch#canonicalForm(int, byte[])}).
     */
    public static String sign(PrivateKey key, byte[] canonicalForm) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(canonicalForm);
            return Base64.getEncoder().encodeToString(signer.sign());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Whether {@code signature} (64 bytes) is {@code key}'s signature of the transfer. */
    public static boolean verify(PublicKey key, SignedFile file, byte[] signature) {
        return verify(key, file.canonicalForm(), signature);
    }

    /** Whether {@code signature} (64 bytes) is {@code key}'s signature of the canonical form. */
    public static boolean verify(PublicKey key, byte[] canonicalForm, byte[] signature) {
        if (signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(canonicalForm);
            return verifier.verify(signature);
        } catch (SignatureException | InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 verification failed", e);
        }
    }

    /** {@code -----BEGIN PUBLIC KEY-----}, base64 of the X.509 DER in lines of 64, {@code -----END PUBLIC KEY-----}. */
    public static String publicKeyPem(PublicKey key) {
        return pem(PUBLIC_BEGIN, key.getEncoded(), PUBLIC_END);
    }

    /** {@code -----BEGIN PRIVATE KEY-----}, base64 of the PKCS#8 DER, {@code -----END PRIVATE KEY-----}. */
    public static String privateKeyPem(PrivateKey key) {
        return pem(PRIVATE_BEGIN, key.getEncoded(), PRIVATE_END);
    }

    /**
     * The public key's PEM on one line, without line breaks ({@code -----BEGIN PUBLIC KEY-----MCow...-----END
     * PUBLIC KEY-----}): the form that fits a properties file or a JSON string. {@link #parsePublicKeys} reads
     * both forms.
     */
    public static String publicKeyOneLine(PublicKey key) {
        return PUBLIC_BEGIN + Base64.getEncoder().encodeToString(key.getEncoded()) + PUBLIC_END;
    }

    private static String pem(String begin, byte[] der, String end) {
        return begin + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n" + end + "\n";
    }

    /**
     * Every Ed25519 public key in the text: PEM blocks, concatenated, with or without line breaks inside or between
     * them. Blank text holds no key. Anything else outside the blocks, a block that is not valid base64, or a key
     * that is not Ed25519 is an error naming the block. The same key twice counts once.
     */
    public static List<PublicKey> parsePublicKeys(String text) throws KeyFormatException {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        if (text == null) {
            return List.of();
        }
        Matcher blocks = PUBLIC_BLOCK.matcher(text);
        int end = 0;
        int number = 0;
        List<String> outside = new ArrayList<>();
        while (blocks.find()) {
            outside.add(text.substring(end, blocks.start()));
            end = blocks.end();
            number++;
            PublicKey key = publicKey(der(blocks.group(1), "public key " + number), "public key " + number);
            keys.putIfAbsent(keyId(key), key);
        }
        outside.add(text.substring(end));
        for (String between : outside) {
            if (!between.isBlank()) {
                throw new KeyFormatException("expected only PEM public keys (" + PUBLIC_BEGIN + " ... " + PUBLIC_END
                        + "), found " + FileNames.quote(abbreviate(between.strip())) + (number == 0 ? ""
                                : " outside them"));
            }
        }
        return List.copyOf(keys.values());
    }

    /** The one Ed25519 private key in the PEM text ({@code -----BEGIN PRIVATE KEY-----}, PKCS#8). */
    public static PrivateKey parsePrivateKey(String text) throws KeyFormatException {
        Matcher block = PRIVATE_BLOCK.matcher(text == null ? "" : text);
        if (!block.find()) {
            throw new KeyFormatException("expected a PEM private key (" + PRIVATE_BEGIN + " ... " + PRIVATE_END
                    + ", PKCS#8, as 'resolver-publish keygen' or 'openssl genpkey -algorithm ed25519' writes it)");
        }
        byte[] der = der(block.group(1), "private key");
        if (block.find()) {
            throw new KeyFormatException("expected one private key, found more than one");
        }
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFormatException("the private key is not an Ed25519 key in PKCS#8: " + e.getMessage(), e);
        }
    }

    /**
     * The public key of an Ed25519 private key. The JDK derives it while generating a pair from 32 random bytes,
     * so a pair is generated from the private key's own bytes; the result is checked by a signature.
     */
    public static PublicKey publicKeyOf(PrivateKey key) throws KeyFormatException {
        if (!(key instanceof EdECPrivateKey edKey) || edKey.getBytes().isEmpty()) {
            throw new KeyFormatException("not an Ed25519 private key with its key bytes available");
        }
        byte[] seed = edKey.getBytes().get();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
            generator.initialize(NamedParameterSpec.ED25519, new FixedBytes(seed));
            PublicKey derived = generator.generateKeyPair().getPublic();
            byte[] probe = "resolver-file-signature key check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(probe);
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(derived);
            verifier.update(probe);
            if (!verifier.verify(signer.sign())) {
                throw new KeyFormatException("could not derive the public key of the private key");
            }
            return derived;
        } catch (GeneralSecurityException e) {
            throw new KeyFormatException("could not derive the public key of the private key: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    private static byte[] der(String base64, String what) throws KeyFormatException {
        try {
            return Base64.getDecoder().decode(base64.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException(what + " is not valid base64: " + e.getMessage(), e);
        }
    }

    private static PublicKey publicKey(byte[] der, String what) throws KeyFormatException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFormatException(what + " is not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /** Hands out the given bytes once, for {@link #publicKeyOf}. */
    private static final class FixedBytes extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;

        FixedBytes(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public void nextBytes(byte[] out) {
            if (out.length != bytes.length) {
                throw new IllegalStateException("expected a request for " + bytes.length + " bytes, got " + out.length);
            }
            System.arraycopy(bytes, 0, out, 0, out.length);
            java.util.Arrays.fill(bytes, (byte) 0);
        }
    }
}
