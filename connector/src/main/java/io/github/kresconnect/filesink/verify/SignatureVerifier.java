package io.github.kresconnect.filesink.verify;

import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.KeyScope;
import io.github.kresconnect.filesink.protocol.TrustedKey;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignatureThreshold;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
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
 * <p>A trusted key is trusted within its scope ({@link KeyScope}), and not at all once revoked: before the signature
 * is checked, a record is rejected, whether signatures are required or not, when its key is named by the newest
 * revocation list ({@link #revoke}); when the fleet it was signed for is not this host's ({@code signatures.fleet}),
 * or it was signed in form 1 (without a fleet) while this host has a fleet id; when the key may not sign files of
 * its kind (role {@code config} for configuration files, {@code data} for others, {@code revocation} for the
 * revocation list), for its recipient or under its name; when its version is past the key's not-after; or when
 * its chunk geometry (its place, its length, the file's length) fits no chunk size. In form 2 the chunk count
 * and size are signed too ({@link SignedFile.Binding}).
 *
 * <p>A part whose transfer was signed together with others (header {@code signature-proof}) is verified over its
 * batch's canonical form: its own canonical form is hashed into a leaf, its path leads to a root, and the signature
 * must be over that root ({@link SignatureBatch}). A part whose name, recipient, length, digest, transfer id or
 * version was changed leads to another root, which the signature does not match.
 *
 * <p>With {@code signatures.config.threshold} above 1, a configuration file must also carry co-signatures
 * ({@link io.github.kresconnect.filesink.protocol.CoSignature}) of the same signed bytes, so that at least that many
 * distinct trusted keys, each in scope for it and not revoked, signed it ({@link SignatureThreshold}); the reason of a
 * refusal counts them and names each key not counted and why. Data files are checked as before.
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

    private final Map<String, TrustedKey> trusted = new LinkedHashMap<>();
    private final boolean required;
    private final String fleet;
    private final List<String> configSuffixes;
    private final int configThreshold;
    private final Map<Verified, Boolean> verified;
    private final Map<String, Boolean> warnedUnknown;
    private Set<String> revoked = Set.of();
    private long revocationVersion = -1;
    private long verifications;

    /**
     * What one verification established: that the key signed this transfer ({@link SignedFile}), this batch
     * ({@link BatchRoot}), or these bytes (a co-signed form, as a {@link ByteBuffer}, compared by content), with this
     * signature.
     */
    private record Verified(Object signed, String keyId, String signatureBase64) {
    }

    /** A batch by its root and number of leaves, which fix its canonical form. */
    private record BatchRoot(ByteBuffer root, int leaves) {
    }

    /** Keys with the default scope, no fleet, the default configuration suffixes. */
    public SignatureVerifier(Collection<PublicKey> trustedKeys, boolean required) {
        this(trustedKeys.stream().map(TrustedKey::of).toList(), required, "",
                List.of(io.github.kresconnect.filesink.protocol.ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT.split(",")),
                DEFAULT_CACHE_ENTRIES);
    }

    /** Keys with the default scope, no fleet, the default configuration suffixes, a cache of that many entries. */
    public SignatureVerifier(Collection<PublicKey> trustedKeys, boolean required, int cacheEntries) {
        this(trustedKeys.stream().map(TrustedKey::of).toList(), required, "",
                List.of(io.github.kresconnect.filesink.protocol.ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT.split(",")),
                cacheEntries);
    }

    /**
     * @param trustedKeys the keys and their scopes ({@code signatures.trusted.keys})
     * @param required whether unsigned records are refused ({@code signatures.required})
     * @param fleet this host's fleet id ({@code signatures.fleet}), {@code ""} for none
     * @param configSuffixes the names of configuration files ({@code config.file.suffixes})
     */
    public SignatureVerifier(Collection<TrustedKey> trustedKeys, boolean required, String fleet,
            List<String> configSuffixes, int cacheEntries) {
        this(trustedKeys, required, fleet, configSuffixes, 1, cacheEntries);
    }

    /**
     * @param configThreshold how many distinct trusted keys must sign a configuration file
     *        ({@code signatures.config.threshold}, see {@link SignatureThreshold}); 1: its signature alone
     */
    public SignatureVerifier(Collection<TrustedKey> trustedKeys, boolean required, String fleet,
            List<String> configSuffixes, int configThreshold, int cacheEntries) {
        if (configThreshold < 1) {
            throw new IllegalArgumentException("a threshold of " + configThreshold + " keys: at least 1");
        }
        this.configThreshold = configThreshold;
        for (TrustedKey key : trustedKeys) {
            trusted.putIfAbsent(key.id(), key);
        }
        if (required && trusted.isEmpty()) {
            throw new IllegalArgumentException("signatures are required but no key is trusted");
        }
        this.required = required;
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.configSuffixes = List.copyOf(configSuffixes);
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
    public Set<String> trustedKeyIds() {
        return Set.copyOf(trusted.keySet());
    }

    /** The keys as trusted, with their scopes. */
    public List<TrustedKey> trustedKeys() {
        return List.copyOf(trusted.values());
    }

    /** How many signatures were verified with Ed25519 (not counting parts accepted from the cache). */
    public long verifications() {
        return verifications;
    }

    /**
     * From now on, the keys of the revocation list of that version (the newest one verified) are refused; a list
     * replaces the one before. Signatures verified before by a key now revoked are forgotten.
     */
    public void revoke(Set<String> keyIds, long listVersion) {
        revoked = Set.copyOf(keyIds);
        revocationVersion = listVersion;
        verified.keySet().removeIf(claim -> revoked.contains(claim.keyId()));
    }

    /** The ids of the keys revoked now. */
    public Set<String> revokedKeyIds() {
        return revoked;
    }

    /**
     * The key that may sign something of {@code role} for the whole fleet (a revocation list, a freshness
     * statement), to verify a signature with: trusted, not revoked, with that role, and whose not-after the
     * statement's {@code version} is not past. For signed statements other than files, so they share the key
     * handling of files.
     *
     * @throws SignatureRejectedException naming the rule the key breaks
     */
    public TrustedKey keyFor(String keyId, KeyRole role, long version) throws SignatureRejectedException {
        TrustedKey key = trusted.get(keyId);
        if (key == null) {
            throw new SignatureRejectedException("signed by key id " + keyId + ", which is not in "
                    + "signatures.trusted.keys " + trusted.keySet());
        }
        if (revoked.contains(keyId)) {
            throw new SignatureRejectedException("signed by key id " + keyId + ", which the revocation list of "
                    + "version " + revocationVersion + " revokes");
        }
        try {
            SignedTransfers.authorize(key, role, version);
        } catch (SignedTransfers.Refused e) {
            throw new SignatureRejectedException(e.getMessage());
        }
        return key;
    }

    /** This host's fleet id ({@code signatures.fleet}), {@code ""} for none. */
    public String fleet() {
        return fleet;
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
        TrustedKey key = trusted.get(signed.keyId());
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
        if (revoked.contains(key.id())) {
            throw new SignatureRejectedException("signed by key id " + key.id() + ", which the revocation list of "
                    + "version " + revocationVersion + " revokes");
        }
        SignedFile.Binding binding = binding(part, signed);
        authorize(key, part, signed, recipient);
        SignedFile file = new SignedFile(part.fileName(), recipient.kind(), recipient.name(), part.integrity(),
                signed.version(), binding);
        verifySignature(part, signed, key, file);
        if (SignatureThreshold.applies(part.fileName(), configSuffixes, configThreshold)) {
            checkThreshold(file, signed);
        }
        return part;
    }

    /** How many distinct trusted keys must sign a configuration file ({@code signatures.config.threshold}). */
    public int configThreshold() {
        return configThreshold;
    }

    /**
     * A configuration file's signatures by distinct keys in scope, not revoked, that verify: at least
     * {@link #configThreshold}. Each co-signature is verified once, like a signature, and remembered.
     */
    private void checkThreshold(SignedFile file, SignedVersion signed) throws SignatureRejectedException {
        SignatureThreshold.Tally tally = SignatureThreshold.count(file, signed, trusted, revoked, configSuffixes,
                (key, signedForm, signatureBase64) -> {
                    Verified claim = new Verified(ByteBuffer.wrap(signedForm), key.id(), signatureBase64);
                    if (verified.get(claim) != null) {
                        return true;
                    }
                    verifications++;
                    boolean good = SignatureThreshold.ED25519.verifies(key, signedForm, signatureBase64);
                    if (good) {
                        verified.put(claim, Boolean.TRUE);
                    }
                    return good;
                });
        if (!tally.reaches(configThreshold)) {
            throw new SignatureRejectedException("configuration file " + FileNames.quote(file.fileName()) + " for "
                    + file.recipientKind().text() + " " + FileNames.quote(file.recipient()) + " (version "
                    + file.version() + ") carries " + tally.describe(configThreshold)
                    + ": signatures.config.threshold=" + configThreshold);
        }
    }

    /** Form 2's fleet and chunk geometry, checked against this host's fleet and the record; null for form 1. */
    private SignedFile.Binding binding(FilePart part, SignedVersion signed) throws SignatureRejectedException {
        try {
            return SignedTransfers.binding(fleet, signed, part.integrity().length(), part.totalChunks(),
                    part.chunkIndex(), part.content().length);
        } catch (SignedTransfers.Refused e) {
            throw new SignatureRejectedException(e.getMessage());
        }
    }

    /** The key's scope: its roles, recipients, file names and not-after, by the rule the issuer applies too. */
    private void authorize(TrustedKey key, FilePart part, SignedVersion signed, Recipient recipient)
            throws SignatureRejectedException {
        try {
            SignedTransfers.authorize(key, part.fileName(), recipient.kind(), recipient.name(), signed.version(),
                    configSuffixes);
        } catch (SignedTransfers.Refused e) {
            throw new SignatureRejectedException(e.getMessage());
        }
    }

    private void verifySignature(FilePart part, SignedVersion signed, TrustedKey key, SignedFile file)
            throws SignatureRejectedException {
        SignatureBatch.Proof proof = signed.proof();
        Verified claim;
        if (proof == null) {
            claim = new Verified(file, signed.keyId(), signed.signatureBase64());
        } else {
            byte[] root = SignatureBatch.root(file, proof);
            if (root == null) {
                throw new SignatureRejectedException("header '" + ProtocolHeaders.SIGNATURE_PROOF + "' (" + proof
                        + ") holds a path of the wrong length for its place in the batch");
            }
            claim = new Verified(new BatchRoot(ByteBuffer.wrap(root), proof.leaves()), signed.keyId(),
                    signed.signatureBase64());
        }
        if (verified.get(claim) != null) {
            return; // the other transfers of a verified batch: their path leads to its root, nothing else to do
        }
        byte[] signedForm = SignedTransfers.signedForm(file, proof);
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
        if (!Signatures.verify(key.key(), signedForm, signature)) {
            throw new SignatureRejectedException("the signature by key id " + signed.keyId() + " does not match "
                    + describe(file) + (proof == null ? "" : " (" + proof + " signed together)")
                    + ": the record was changed after it was signed (name, recipient, length, SHA-256, transfer id, "
                    + "version" + (file.binding() == null ? "" : ", fleet, chunk count or chunk size")
                    + "), or was signed by another key");
        }
        verified.put(claim, Boolean.TRUE);
    }

    private static String describe(SignedFile file) {
        return "file " + FileNames.quote(file.fileName()) + " for " + file.recipientKind().text() + " "
                + FileNames.quote(file.recipient()) + ", " + file.integrity().length() + " bytes, SHA-256 "
                + file.integrity().sha256Hex() + ", transfer " + file.integrity().transferId() + ", version "
                + file.version() + (file.binding() == null ? " (form 1)" : ", fleet "
                        + FileNames.quote(file.binding().fleet()) + ", " + file.binding().totalChunks()
                        + " chunks of " + file.binding().chunkSize() + " bytes");
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
