package io.github.kresconnect.filesink.protocol;

import java.security.PublicKey;
import java.util.Base64;

/**
 * The rules of the signed form that every reader of the topic applies alike: the connector's verifier and the
 * freshness statement's issuer ({@code resolver-publish statement}), which must believe only versions a host of its
 * fleet would accept.
 *
 * <ul>
 * <li>{@link #binding}: what form 2 binds, checked against the reader's fleet and the record's chunk geometry. A
 * reader with a fleet id accepts only form 2 for that fleet; a reader without one accepts form 1, and form 2 signed
 * for no fleet.</li>
 * <li>{@link #signedForm}: the bytes the signature covers: the transfer's own canonical form ({@link SignedFile}),
 * or, with a proof, its batch's ({@link SignatureBatch}).</li>
 * </ul>
 */
public final class SignedTransfers {
    private SignedTransfers() {
    }

    /** A fleet id, as {@code signatures.fleet}, {@code resolver-publish --fleet} and a statement take it. */
    public static boolean isFleetId(String text) {
        return text.matches("[A-Za-z0-9._-]{1,64}");
    }

    /** A record the signed form's rules refuse, with the reason. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    /**
     * Form 2's fleet and chunk geometry, checked against the reader's {@code fleet} and the record (chunk
     * {@code chunkIndex} of {@code totalChunks}, holding {@code contentLength} bytes of a file of {@code fileLength});
     * null for form 1.
     *
     * @throws Refused when the record was signed for another fleet (or in form 1 while the reader has a fleet id), or
     *         its geometry fits no chunk size
     */
    public static SignedFile.Binding binding(String fleet, SignedVersion signed, long fileLength, int totalChunks,
            int chunkIndex, long contentLength) throws Refused {
        if (signed.form() == SignedVersion.FORM_1) {
            if (!fleet.isEmpty()) {
                throw new Refused("signed in form 1, without a fleet id, and this host is in fleet "
                        + FileNames.quote(fleet) + " (signatures.fleet): a host with a fleet id accepts only records "
                        + "signed for its fleet (resolver-publish --fleet " + fleet + ")");
            }
            return null;
        }
        if (!signed.fleet().equals(fleet)) {
            throw new Refused(signed.fleet().isEmpty()
                    ? "signed without a fleet id, and this host is in fleet " + FileNames.quote(fleet)
                            + " (signatures.fleet)"
                    : "signed for fleet " + FileNames.quote(signed.fleet()) + ", and this host is "
                            + (fleet.isEmpty() ? "in no fleet (signatures.fleet is empty)"
                                    : "in fleet " + FileNames.quote(fleet) + " (signatures.fleet)"));
        }
        long chunkSize = Chunking.chunkSizeOf(fileLength, totalChunks, chunkIndex, contentLength);
        if (chunkSize < 0) {
            throw new Refused("chunk " + chunkIndex + " of " + totalChunks + " holds " + contentLength + " bytes, "
                    + "which no chunk size gives for a file of " + fileLength + " bytes in " + totalChunks
                    + " chunks: the record's chunk count or content was changed after it was signed");
        }
        return new SignedFile.Binding(fleet, totalChunks, chunkSize);
    }

    /**
     * The bytes the signature of {@code file} covers: its canonical form, or with {@code proof} its batch's
     * canonical form; null when the proof's path has the wrong length for its place in the batch.
     */
    public static byte[] signedForm(SignedFile file, SignatureBatch.Proof proof) {
        if (proof == null) {
            return file.canonicalForm();
        }
        byte[] root = proof.root(SignatureBatch.leafHash(file));
        return root == null ? null : SignatureBatch.canonicalForm(proof.leaves(), root);
    }

    /** Whether the transfer's signature, as its headers carry it, is {@code key}'s signature of {@code file}. */
    public static boolean verifies(PublicKey key, SignedFile file, SignedVersion signed) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signed.signatureBase64());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] form = signedForm(file, signed.proof());
        return form != null && Signatures.verify(key, form, signature);
    }
}
