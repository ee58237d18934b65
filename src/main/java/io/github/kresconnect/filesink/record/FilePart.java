package io.github.kresconnect.filesink.record;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * One record's share of a file: chunk {@code chunkIndex} (1-based) of {@code totalChunks}. A whole file is
 * chunk 1 of 1. The content is the record's bytes, never decoded. {@code integrity} is what the record says
 * about the whole file (transfer id, length, SHA-256), or null when it carries none of those headers.
 */
public record FilePart(String fileName, int chunkIndex, int totalChunks, byte[] content,
        TransferIntegrity integrity) {

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
