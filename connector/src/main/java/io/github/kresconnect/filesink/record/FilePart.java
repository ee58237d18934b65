package io.github.kresconnect.filesink.record;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * One record's share of a file: chunk {@code chunkIndex} (1-based) of {@code totalChunks}. A whole file is
 * chunk 1 of 1. The content is the record's bytes, never decoded. {@code integrity} is what the record says
 * about the whole file (transfer id, length, SHA-256), or null when it carries none of those headers.
 * {@code signed} is the publisher's signature and the file's version, or null when the record is unsigned; a
 * signed part always has its integrity. It is what the record says: the task verifies it before the part
 * reaches the store (verify.SignatureVerifier), so a part the store sees with a signature was verified.
 * {@code timestamp} is the record's timestamp in epoch milliseconds (when its producer created it), or
 * {@link #NO_TIMESTAMP}: the store tells an abandoned transfer from a live one by it.
 */
public record FilePart(String fileName, int chunkIndex, int totalChunks, byte[] content,
        TransferIntegrity integrity, SignedVersion signed, long timestamp) {

    /** A record without a timestamp. */
    public static final long NO_TIMESTAMP = -1;

    /** An unsigned part without a timestamp. */
    public FilePart(String fileName, int chunkIndex, int totalChunks, byte[] content, TransferIntegrity integrity) {
        this(fileName, chunkIndex, totalChunks, content, integrity, null, NO_TIMESTAMP);
    }

    public FilePart(String fileName, int chunkIndex, int totalChunks, byte[] content, TransferIntegrity integrity,
            SignedVersion signed) {
        this(fileName, chunkIndex, totalChunks, content, integrity, signed, NO_TIMESTAMP);
    }

    /** The same part as a record created at {@code millis}. */
    public FilePart at(long millis) {
        return new FilePart(fileName, chunkIndex, totalChunks, content, integrity, signed, millis < 0 ? NO_TIMESTAMP
                : millis);
    }

    public FilePart {
        if (signed != null && integrity == null) {
            throw new IllegalArgumentException("a signed part needs its transfer's integrity (transfer id, length, "
                    + "SHA-256)");
        }
    }

    public boolean isWholeFile() {
        return Chunking.isWholeFile(totalChunks);
    }

    @Override
    public String toString() {
        return isWholeFile()
                ? "file '" + fileName + "' (" + content.length + " bytes)"
                : "chunk " + chunkIndex + "/" + totalChunks + " of '" + fileName + "' (" + content.length + " bytes)";
    }
}
