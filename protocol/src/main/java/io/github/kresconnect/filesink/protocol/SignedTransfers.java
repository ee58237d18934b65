package io.github.kresconnect.filesink.protocol;

import java.security.PublicKey;
import java.util.Base64;

/**
 * Whether a transfer's signature, as its headers carry it ({@link SignedVersion}), is a key's signature of the
 * transfer ({@link SignedFile}): over its own canonical form, or, with a proof, over its batch's
 * ({@link SignatureBatch}). For readers of the topic other than the connector (the freshness statement's issuer),
 * which must believe only versions a trusted key signed.
 */
public final class SignedTransfers {
    private SignedTransfers() {
    }

    public static boolean verifies(PublicKey key, SignedFile file, SignedVersion signed) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signed.signatureBase64());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (signed.proof() == null) {
            return Signatures.verify(key, file.canonicalForm(), signature);
        }
        byte[] root = signed.proof().root(SignatureBatch.leafHash(file));
        return root != null && Signatures.verify(key, SignatureBatch.canonicalForm(signed.proof().leaves(), root),
                signature);
    }
}
