package io.github.kresconnect.filesink.protocol;

import java.util.Objects;

/**
 * One further key's signature of a signed transfer (header {@link ProtocolHeaders#COSIGNATURE}, one per key): over
 * exactly the bytes the transfer's own signature covers ({@link SignedTransfers#signedForm}: its canonical form, or
 * its batch's with the same proof), so a co-signature binds everything the signature binds. A host that requires
 * several keys for configuration files counts them ({@link SignatureThreshold}).
 *
 * <p>The header's value is {@code <key id>;<base64 of the 64-byte Ed25519 signature>}, for example
 * {@code 06e3fd8fda29bb60;q83v...==}. (A semicolon, as in {@link ProtocolHeaders#SIGNATURE_PROOF}: Kafka Connect's
 * default header converter reads a value with a colon after digits as a number.)
 *
 * @param keyId the co-signing key's id ({@link Signatures#keyId})
 * @param signatureBase64 the signature, base64 as the header carries it; decoded and checked by whoever counts it
 */
public record CoSignature(String keyId, String signatureBase64) {
    private static final String SEPARATOR = ";";

    public CoSignature {
        if (!ProtocolHeaders.isKeyId(keyId)) {
            throw new IllegalArgumentException("key id " + FileNames.quote(keyId) + " is not "
                    + ProtocolHeaders.KEY_ID_HEX_DIGITS + " lowercase hexadecimal digits");
        }
        Objects.requireNonNull(signatureBase64, "signatureBase64");
    }

    /** The co-signature of {@code signedForm} by {@code key}, whose id is {@code keyId}. */
    public static CoSignature sign(java.security.PrivateKey key, String keyId, byte[] signedForm) {
        return new CoSignature(keyId, Signatures.sign(key, signedForm));
    }

    /** The {@link ProtocolHeaders#COSIGNATURE} header's value. */
    public String headerValue() {
        return keyId + SEPARATOR + signatureBase64;
    }

    /** The header's value, checked: a key id, a semicolon, and a non-empty signature text. */
    public static CoSignature parse(String text) throws InvalidHeaderException {
        String header = ProtocolHeaders.COSIGNATURE;
        int separator = text.indexOf(SEPARATOR);
        if (separator < 0 || separator != text.lastIndexOf(SEPARATOR)) {
            throw new InvalidHeaderException(header, "header '" + header + "' is not '<key id>;<base64 signature>': "
                    + FileNames.quote(abbreviate(text)));
        }
        String keyId = text.substring(0, separator);
        String signature = text.substring(separator + 1);
        if (!ProtocolHeaders.isKeyId(keyId)) {
            throw new InvalidHeaderException(header, "header '" + header + "' names key id "
                    + FileNames.quote(abbreviate(keyId)) + ", not " + ProtocolHeaders.KEY_ID_HEX_DIGITS
                    + " lowercase hexadecimal digits");
        }
        if (signature.isEmpty()) {
            throw new InvalidHeaderException(header, "header '" + header + "' holds no signature after key id "
                    + keyId);
        }
        return new CoSignature(keyId, signature);
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
