package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * Signs transfers for {@code resolver-publish --sign KEYFILE}: every transfer of a file to one recipient is
 * covered (the recipient included), all with the same version ({@link VersionChoice}), in form 2: with the fleet
 * ({@code --fleet}, or none) and the transfer's chunk count and size ({@link SignedFile.Binding}); the transfers
 * sent together share one signature ({@link SignatureBatch}).
 */
final class TransferSigner {
    private final PrivateKey key;
    private final String keyId;
    private final long version;
    private final String fleet;
    private final List<Cosigner> cosigners;
    private final List<DetachedCosignatures> detached;
    private final List<Path> detachedFiles;

    /** A further key that signs exactly what the signing key signs ({@code --cosign KEYFILE}). */
    record Cosigner(PrivateKey key, String keyId) {
    }

    TransferSigner(PrivateKey key, String keyId, long version, String fleet) {
        this(key, keyId, version, fleet, List.of());
    }

    private TransferSigner(PrivateKey key, String keyId, long version, String fleet, List<Cosigner> cosigners) {
        this(key, keyId, version, fleet, cosigners, List.of(), List.of());
    }

    private TransferSigner(PrivateKey key, String keyId, long version, String fleet, List<Cosigner> cosigners,
            List<DetachedCosignatures> detached, List<Path> detachedFiles) {
        this.key = key;
        this.keyId = keyId;
        this.version = version;
        this.fleet = fleet;
        this.cosigners = List.copyOf(cosigners);
        this.detached = List.copyOf(detached);
        this.detachedFiles = List.copyOf(detachedFiles);
    }

    /**
     * The same signer at the request's version, with the co-signatures other keys made of it elsewhere
     * ({@code --cosignature FILE}, {@link DetachedCosignatures}); each is checked against its key over what this run
     * signs before anything is sent ({@code request}'s transfers), and a key already signing is a usage error.
     */
    TransferSigner withDetached(CosignRequest request, List<Path> files) throws PublishException {
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        ids.add(keyId);
        ids.addAll(cosignerIds());
        List<DetachedCosignatures> read = new java.util.ArrayList<>();
        for (Path file : files) {
            DetachedCosignatures cosignatures = DetachedCosignatures.read(file);
            if (!ids.add(cosignatures.keyId())) {
                throw new PublishException(ExitCode.USAGE, "--cosignature: '" + file + "' is by key id "
                        + cosignatures.keyId() + ", which already signs this run: a host counts each key once");
            }
            read.add(cosignatures);
        }
        TransferSigner signer = new TransferSigner(key, keyId, request.version(), fleet, cosigners, read, files);
        for (List<SignedFile> group : request.groups(signer)) {
            List<SignedVersion> signed = SignatureBatch.sign(key, keyId, group, SignatureBatch.PUBLISHER_LEAVES);
            for (int i = 0; i < group.size(); i++) {
                signer.detachedFor(SignedTransfers.signedForm(group.get(i), signed.get(i).proof()));
            }
        }
        return signer;
    }

    /** The detached co-signatures of {@code form}, each checked. */
    private List<CoSignature> detachedFor(byte[] form) throws PublishException {
        List<CoSignature> found = new java.util.ArrayList<>();
        for (int i = 0; i < detached.size(); i++) {
            found.add(detached.get(i).forForm(form, detachedFiles.get(i)));
        }
        return found;
    }

    /**
     * The same signer, with co-signing keys read from {@code keyFiles} ({@code --cosign}): each signs the same
     * bytes as the signing key, every transfer carrying one {@code cosignature} header per key. A key given twice,
     * or the signing key again, is a usage error: a host counts a key once.
     */
    TransferSigner withCosigners(List<Path> keyFiles) throws PublishException {
        List<Cosigner> added = new java.util.ArrayList<>(cosigners);
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        ids.add(keyId);
        added.forEach(cosigner -> ids.add(cosigner.keyId()));
        for (Path keyFile : keyFiles) {
            PrivateKey cosigning = readKey(keyFile, "--cosign");
            String id;
            try {
                id = Signatures.keyId(Signatures.publicKeyOf(cosigning));
            } catch (KeyFormatException e) {
                throw new PublishException(ExitCode.USAGE, "--cosign: '" + keyFile + "': " + e.getMessage(), e);
            }
            if (!ids.add(id)) {
                throw new PublishException(ExitCode.USAGE, "--cosign: '" + keyFile + "' is key id " + id
                        + ", which already signs this run (--sign or an earlier --cosign): a host counts each key "
                        + "once");
            }
            added.add(new Cosigner(cosigning, id));
        }
        return new TransferSigner(key, keyId, version, fleet, added);
    }

    /** The ids of the co-signing keys, in the order given, those of detached co-signatures last. */
    List<String> cosignerIds() {
        List<String> ids = new java.util.ArrayList<>(cosigners.stream().map(Cosigner::keyId).toList());
        detached.forEach(d -> ids.add(d.keyId()));
        return ids;
    }

    /** The private key, for other signed forms (freshness statements). */
    PrivateKey key() {
        return key;
    }

    /** Reads the private key (PEM, PKCS#8), to sign at {@code version} without a fleet. */
    static TransferSigner load(Path keyFile, long version) throws PublishException {
        return load(keyFile, version, "");
    }

    /** Reads the private key (PEM, PKCS#8), to sign at {@code version} for {@code fleet} ({@code ""}: none). */
    static TransferSigner load(Path keyFile, long version, String fleet) throws PublishException {
        PrivateKey key = readKey(keyFile, "--sign");
        try {
            return new TransferSigner(key, Signatures.keyId(Signatures.publicKeyOf(key)), version, fleet);
        } catch (KeyFormatException e) {
            throw new PublishException(ExitCode.USAGE, "--sign: '" + keyFile + "': " + e.getMessage(), e);
        }
    }

    /** A private key (PEM, PKCS#8) given to {@code option}; a usage error when it cannot be read or parsed. */
    private static PrivateKey readKey(Path keyFile, String option) throws PublishException {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new PublishException(ExitCode.USAGE, option + ": cannot read the signing key '" + keyFile + "': "
                    + e, e);
        }
        try {
            return Signatures.parsePrivateKey(text);
        } catch (KeyFormatException e) {
            throw new PublishException(ExitCode.USAGE, option + ": '" + keyFile + "': " + e.getMessage(), e);
        }
    }

    /**
     * A warning when the key file may be read by others than its owner (group or other permission bits), as
     * {@code ssh} warns; empty when it may not, or the file system has no POSIX permissions.
     */
    static java.util.Optional<String> permissionWarning(Path keyFile) {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions =
                    Files.getPosixFilePermissions(keyFile);
            java.util.Set<java.nio.file.attribute.PosixFilePermission> others = java.util.EnumSet.of(
                    java.nio.file.attribute.PosixFilePermission.GROUP_READ,
                    java.nio.file.attribute.PosixFilePermission.OTHERS_READ,
                    java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
                    java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
            others.retainAll(permissions);
            if (others.isEmpty()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of("warning: the signing key '" + keyFile + "' is accessible by others than its "
                    + "owner (" + java.nio.file.attribute.PosixFilePermissions.toString(permissions) + "); anyone who "
                    + "reads it can sign files the resolvers accept: chmod 600 it");
        } catch (UnsupportedOperationException | IOException e) {
            return java.util.Optional.empty();
        }
    }

    String keyId() {
        return keyId;
    }

    long version() {
        return version;
    }

    String fleet() {
        return fleet;
    }

    /**
     * What the signature of one transfer of a file to one recipient covers, at this run's version, cut into chunks
     * of {@code chunkSize} bytes.
     */
    SignedFile transfer(RecipientMode mode, String recipient, String fileName, TransferIntegrity integrity,
            int chunkSize) {
        SignedFile.RecipientKind kind = mode == RecipientMode.ZONE_ID ? SignedFile.RecipientKind.ZONE_ID
                : SignedFile.RecipientKind.HOSTNAME;
        int total = (int) Chunking.chunkCount(integrity.length(), chunkSize);
        return new SignedFile(fileName, kind, recipient, integrity, version, new SignedFile.Binding(fleet, total,
                Chunking.isWholeFile(total) ? integrity.length() : chunkSize));
    }

    /**
     * The signature headers of the transfers, in order: one signature for all of them ({@link SignatureBatch}), and
     * with co-signing keys, each key's signature of the same bytes ({@link CoSignature}: once per batch, carried by
     * every transfer of it).
     */
    List<SignedVersion> sign(List<SignedFile> transfers) {
        List<SignedVersion> signed = SignatureBatch.sign(key, keyId, transfers, SignatureBatch.PUBLISHER_LEAVES);
        if (cosigners.isEmpty() && detached.isEmpty()) {
            return signed;
        }
        java.util.Map<String, List<CoSignature>> bySignedForm = new java.util.HashMap<>();
        List<SignedVersion> cosigned = new java.util.ArrayList<>(signed.size());
        for (int i = 0; i < signed.size(); i++) {
            byte[] form = SignedTransfers.signedForm(transfers.get(i), signed.get(i).proof());
            List<CoSignature> cosignatures = bySignedForm.computeIfAbsent(java.util.HexFormat.of().formatHex(form),
                    hex -> {
                        List<CoSignature> all = new java.util.ArrayList<>(cosigners.stream()
                                .map(c -> CoSignature.sign(c.key(), c.keyId(), form)).toList());
                        try {
                            all.addAll(detachedFor(form));
                        } catch (PublishException e) {
                            // checked for every transfer of the request before anything was sent
                            throw new IllegalStateException(e.getMessage(), e);
                        }
                        return all;
                    });
            cosigned.add(signed.get(i).withCosignatures(cosignatures));
        }
        return cosigned;
    }
}
