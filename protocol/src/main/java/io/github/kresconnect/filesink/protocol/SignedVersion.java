package io.github.kresconnect.filesink.protocol;

import java.util.Objects;

/**
 * What a signed record carries about its signature: headers {@link ProtocolHeaders#SIGNATURE_KEY_ID},
 * {@link ProtocolHeaders#FILE_VERSION} and {@link ProtocolHeaders#SIGNATURE}, and {@link
 * ProtocolHeaders#SIGNATURE_PROOF} when the transfer was signed together with others; the same on every record of
 * one transfer. The signature is kept as the header's text; it is decoded, and checked, by the verifier.
 *
 * @param keyId the signing key's id, 16 lowercase hexadecimal digits ({@link Signatures#keyId})
 * @param version the file's version: grows with every publication of the file (the publication time in ms)
 * @param signatureBase64 the Ed25519 signature, base64: of the transfer's {@link SignedFile#canonicalForm()}, or,
 *        with a proof, of its batch's {@link SignatureBatch#canonicalForm(int, byte[])}
 * @param proof where the transfer sits in the batch signed together (header {@link ProtocolHeaders#SIGNATURE_PROOF}),
 *        or null when the transfer is signed on its own
 */
public record SignedVersion(String keyId, long version, String signatureBase64, SignatureBatch.Proof proof) {
    /** A transfer signed on its own. */
    public SignedVersion(String keyId, long version, String signatureBase64) {
        this(keyId, version, signatureBase64, null);
    }

    public SignedVersion {
        if (!ProtocolHeaders.isKeyId(keyId)) {
            throw new IllegalArgumentException("key id " + FileNames.quote(keyId) + " is not "
                    + ProtocolHeaders.KEY_ID_HEX_DIGITS + " lowercase hexadecimal digits");
        }
        if (version < 0) {
            throw new IllegalArgumentException("file version " + version + " is negative");
        }
        Objects.requireNonNull(signatureBase64, "signatureBase64");
    }
}
