package io.github.kresconnect.filesink.protocol;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What every record of one transfer of a file carries about the whole file: a random transfer id (the same on
 * all its chunks, fresh for every transfer), the file's length in bytes and its SHA-256. Headers
 * {@link ProtocolHeaders#TRANSFER_ID}, {@link ProtocolHeaders#FILE_LENGTH}, {@link ProtocolHeaders#FILE_SHA256}.
 *
 * @param transferId 32 lowercase hexadecimal digits (128 bits)
 * @param length the whole file's length in bytes, not negative
 * @param sha256Hex the whole file's SHA-256, 64 lowercase hexadecimal digits
 */
public record TransferIntegrity(String transferId, long length, String sha256Hex) {
    /** Bytes of randomness in a transfer id. */
    public static final int TRANSFER_ID_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    public TransferIntegrity {
        if (!ProtocolHeaders.isTransferId(transferId)) {
            throw new IllegalArgumentException("transfer id " + FileNames.quote(transferId) + " is not "
                    + ProtocolHeaders.TRANSFER_ID_HEX_DIGITS + " lowercase hexadecimal digits");
        }
        if (length < 0) {
            throw new IllegalArgumentException("file length " + length + " is negative");
        }
        if (!ProtocolHeaders.isSha256(sha256Hex)) {
            throw new IllegalArgumentException("SHA-256 " + FileNames.quote(sha256Hex) + " is not "
                    + ProtocolHeaders.SHA256_HEX_DIGITS + " lowercase hexadecimal digits");
        }
    }

    /** A fresh transfer id: 16 bytes from {@link SecureRandom}, as 32 lowercase hexadecimal digits. */
    public static String newTransferId() {
        byte[] id = new byte[TRANSFER_ID_BYTES];
        RANDOM.nextBytes(id);
        return HEX.formatHex(id);
    }

    /** The integrity of a file of that length and SHA-256 digest (32 bytes), under a fresh transfer id. */
    public static TransferIntegrity forNewTransfer(long length, byte[] sha256) {
        return new TransferIntegrity(newTransferId(), length, sha256Hex(sha256));
    }

    /** A SHA-256 digest (32 bytes) as the header carries it: 64 lowercase hexadecimal digits. */
    public static String sha256Hex(byte[] sha256) {
        if (sha256 == null || sha256.length * 2 != ProtocolHeaders.SHA256_HEX_DIGITS) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes");
        }
        return HEX.formatHex(sha256);
    }

    /** The SHA-256 of {@code content}, as header {@link ProtocolHeaders#FILE_SHA256} writes it. */
    public static String sha256HexOf(byte[] content) {
        return HEX.formatHex(newSha256().digest(content));
    }

    /** Never updated: a copy of its initial state is cheaper than a provider lookup for every record. */
    private static final MessageDigest SHA256 = sha256Instance();

    /** A new SHA-256 digest, the algorithm {@link ProtocolHeaders#FILE_SHA256} names. */
    public static MessageDigest newSha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return sha256Instance(); // a provider whose digest cannot be copied
        }
    }

    private static MessageDigest sha256Instance() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Whether a file of that length and SHA-256 digest (32 bytes) is the one this transfer announced. */
    public boolean matches(long actualLength, byte[] actualSha256) {
        return actualLength == length && MessageDigest.isEqual(HEX.parseHex(sha256Hex), actualSha256);
    }
}
