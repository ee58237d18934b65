package io.github.kresconnect.filesink.verify;

import java.security.PublicKey;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader.Recipient;

/**
 * Checks a file part's signature before the part reaches the store.
 *
 * <ul>
 * <li>A signed part from a trusted key is verified over its {@link SignedFile#canonicalForm()}: file name,
 * recipient, length, SHA-256, transfer id and version as the record carries them. A signature that does not
 * verify, or is not base64 of 64 bytes, is rejected, whether signatures are required or not.</li>
 * <li>With signatures required, an unsigned part, or one signed by a key that is not trusted, is rejected.</li>
 * <li>Without, an unsigned part passes as it is, and a part signed by a key that is not trusted passes as if it
 * were unsigned (its signature is dropped and a warning logged once per transfer): it is no less trustworthy than
 * an unsigned part, and its version must not be believed.</li>
 * </ul>
 * The part returned carries a signature only when it was verified; the store may rely on its version.
 *
 * <p>A part whose transfer was signed together with others (header {@code signature-proof}) is verified over its
 * batch's canonical form: its own canonical form is hashed into a leaf, its path leads to a root, and the signature
 * must be over that root ({@link SignatureBatch}). A part whose name, recipient, length, digest, transfer id or
 * version was changed leads to another root, which the signature does not match.
 *
 * <p>Ed25519 verification costs a few hundred µs with Java 17's implementation (measured 0.4 ms), so each
 * signature is verified once: a verified (transfer or batch root, key id, signature) is remembered, and later
 * parts that lead to exactly the same are accepted without verifying again: the later chunks of a transfer, and
 * the other transfers of a batch. The memory is bounded ({@link #DEFAULT_CACHE_ENTRIES} entries, least recently
 * used first out); an entry forgotten is simply verified again.
 */
public final class SignatureVerifier {
    private static final Logger log = LoggerFactory.getLogger(SignatureVerifier.class);
    public static final int DEFAULT_CACHE_ENTRIES = 4096;

    private final Map<String, PublicKey> trusted = new LinkedHashMap<>();
    private final boolean required;
    private final Map<Verified, Boolean> verified;
    private final Map<String, Boolean> warnedUnknown;
    private long verifications;

    /**
     * What one verification established: that the key signed this transfer ({@link SignedFile}), or this batch
     * (its root and number of leaves, as text), with this signature.
     */
    private record Verified(Object signed, String keyId, String signatureBase64) {
    }

    public SignatureVerifier(Collection<PublicKey> trustedKeys, boolean required) {
        this(trustedKeys, required, DEFAULT_CACHE_ENTRIES);
    }

    public SignatureVerifier(Collection<PublicKey> trustedKeys, boolean required, int cacheEntries) {
        for (PublicKey key : trustedKeys) {
            trusted.putIfAbsent(Signatures.keyId(key), key);
        }
        if (required && trusted.isEmpty()) {
            throw new IllegalArgumentException("signatures are required but no key is trusted");
        }
        this.required = required;
        this.verified = lru(cacheEntries);
        this.warnedUnknown = lru(cacheEntries);
    }

    private static <K> Map<K, Boolean> lru(int entries) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Boolean> eldest) {
                return size() > entries;
            }
        };
    }

    /** Whether the verifier changes anything: some key is trusted (only then can a signature be checked). */
    public boolean isActive() {
        return !trusted.isEmpty();
    }

    /** The ids of the trusted keys. */
    public java.util.Set<String> trustedKeyIds() {
        return java.util.Set.copyOf(trusted.keySet());
    }

    /** How many signatures were verified with Ed25519 (not counting parts accepted from the cache). */
    public long verifications() {
        return verifications;
    }

    /**
     * The part to hand to the store: as it is when its signature verified or it is unsigned and may be; without
     * its signature when signed by a key not trusted while signatures are not required.
     *
     * @param recipient the recipient the record is addressed to ({@code FilePartReader.recipient})
     * @throws SignatureRejectedException when the part must not be applied; the reason says why
     */
    public FilePart check(FilePart part, Recipient recipient) throws SignatureRejectedException {
        SignedVersion signed = part.signed();
        if (signed == null) {
            if (required) {
                throw new SignatureRejectedException("the record is not signed (no header 'signature') and "
                        + "signatures.required=true");
            }
            return part;
        }
        PublicKey key = trusted.get(signed.keyId());
        if (key == null) {
            if (required) {
                throw new SignatureRejectedException("signed by key id " + signed.keyId() + ", which is not in "
                        + "signatures.trusted.keys " + trusted.keySet() + ", and signatures.required=true");
            }
            if (warnedUnknown.put(part.integrity().transferId(), Boolean.TRUE) == null) {
                log.warn("{} (transfer {}) is signed by key id {}, which is not in signatures.trusted.keys {}; "
                        + "accepted as unsigned since signatures.required=false", FileNames.quote(part.fileName()),
                        part.integrity().transferId(), signed.keyId(), trusted.keySet());
            }
            return new FilePart(part.fileName(), part.chunkIndex(), part.totalChunks(), part.content(),
                    part.integrity(), null, part.timestamp());
        }
        Objects.requireNonNull(recipient, "recipient");
        SignedFile file = new SignedFile(part.fileName(), recipient.kind(), recipient.name(), part.integrity(),
                signed.version());
        SignatureBatch.Proof proof = signed.proof();
        byte[] signedForm;
        Verified claim;
        if (proof == null) {
            signedForm = null;
            claim = new Verified(file, signed.keyId(), signed.signatureBase64());
        } else {
            byte[] root = proof.root(SignatureBatch.leafHash(file));
            if (root == null) {
                throw new SignatureRejectedException("header '" + ProtocolHeaders.SIGNATURE_PROOF + "' (" + proof
                        + ") holds a path of the wrong length for its place in the batch");
            }
            signedForm = SignatureBatch.canonicalForm(proof.leaves(), root);
            claim = new Verified(HexFormat.of().formatHex(root) + "/" + proof.leaves(), signed.keyId(),
                    signed.signatureBase64());
        }
        if (verified.get(claim) != null) {
            return part;
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signed.signatureBase64());
        } catch (IllegalArgumentException e) {
            throw new SignatureRejectedException("header 'signature' is not base64: "
                    + FileNames.quote(abbreviate(signed.signatureBase64())));
        }
        if (signature.length != Signatures.SIGNATURE_BYTES) {
            throw new SignatureRejectedException("header 'signature' holds " + signature.length + " bytes, not the "
                    + Signatures.SIGNATURE_BYTES + " of an Ed25519 signature");
        }
        verifications++;
        if (!Signatures.verify(key, proof == null ? file.canonicalForm() : signedForm, signature)) {
            throw new SignatureRejectedException("the signature by key id " + signed.keyId() + " does not match "
                    + describe(file) + (proof == null ? "" : " (" + proof + " signed together)")
                    + ": the record was changed after it was signed (name, recipient, length, SHA-256, transfer id "
                    + "or version), or was signed by another key");
        }
        verified.put(claim, Boolean.TRUE);
        return part;
    }

    private static String describe(SignedFile file) {
        return "file " + FileNames.quote(file.fileName()) + " for " + file.recipientKind().text() + " "
                + FileNames.quote(file.recipient()) + ", " + file.integrity().length() + " bytes, SHA-256 "
                + file.integrity().sha256Hex() + ", transfer " + file.integrity().transferId() + ", version "
                + file.version();
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
