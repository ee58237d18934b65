package io.github.kresconnect.filesink.protocol;

import java.util.List;
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
 * @param form the signed form: 1, or 2 with header {@link ProtocolHeaders#SIGNATURE_FORM} (see {@link SignedFile})
 * @param fleet the fleet the record says it was signed for (header {@link ProtocolHeaders#FLEET}), {@code ""} for
 *        none; only a claim, to say why a record of another fleet is refused: the signature covers the fleet the
 *        host is configured with
 * @param cosignatures further keys' signatures of the same bytes (headers {@link ProtocolHeaders#COSIGNATURE}), in
 *        the order the record carries them; empty for none (see {@link SignatureThreshold})
 */
public record SignedVersion(String keyId, long version, String signatureBase64, SignatureBatch.Proof proof, int form,
        String fleet, List<CoSignature> cosignatures) {
    /** Form 1: the signed form earlier publishers made, without fleet or chunk geometry. */
    public static final int FORM_1 = 1;
    /** Form 2: the fleet and the chunk geometry signed too. */
    public static final int FORM_2 = 2;

    /** A transfer signed on its own, in form 1. */
    public SignedVersion(String keyId, long version, String signatureBase64) {
        this(keyId, version, signatureBase64, null);
    }

    /** Without co-signatures. */
    public SignedVersion(String keyId, long version, String signatureBase64, SignatureBatch.Proof proof, int form,
            String fleet) {
        this(keyId, version, signatureBase64, proof, form, fleet, List.of());
    }

    /** The same signature with these co-signatures. */
    public SignedVersion withCosignatures(List<CoSignature> added) {
        return new SignedVersion(keyId, version, signatureBase64, proof, form, fleet, added);
    }

    /** A transfer signed in form 1. */
    public SignedVersion(String keyId, long version, String signatureBase64, SignatureBatch.Proof proof) {
        this(keyId, version, signatureBase64, proof, FORM_1, "");
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
        Objects.requireNonNull(fleet, "fleet");
        cosignatures = List.copyOf(cosignatures);
        if (form != FORM_1 && form != FORM_2) {
            throw new IllegalArgumentException("signed form " + form + " is neither 1 nor 2");
        }
    }
}
