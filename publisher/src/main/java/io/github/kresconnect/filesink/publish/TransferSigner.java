package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
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

    TransferSigner(PrivateKey key, String keyId, long version, String fleet) {
        this.key = key;
        this.keyId = keyId;
        this.version = version;
        this.fleet = fleet;
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
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new PublishException(ExitCode.USAGE, "--sign: cannot read the signing key '" + keyFile + "': "
                    + e, e);
        }
        try {
            PrivateKey key = Signatures.parsePrivateKey(text);
            return new TransferSigner(key, Signatures.keyId(Signatures.publicKeyOf(key)), version, fleet);
        } catch (KeyFormatException e) {
            throw new PublishException(ExitCode.USAGE, "--sign: '" + keyFile + "': " + e.getMessage(), e);
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

    /** The signature headers of the transfers, in order: one signature for all of them ({@link SignatureBatch}). */
    List<SignedVersion> sign(List<SignedFile> transfers) {
        return SignatureBatch.sign(key, keyId, transfers, SignatureBatch.PUBLISHER_LEAVES);
    }
}
