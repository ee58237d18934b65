package io.github.kresconnect.filesink.record;

/**
 * One record's share of a file: chunk {@code chunkIndex} (1-based) of {@code totalChunks}. A whole file is
 * chunk 1 of 1. The content is the record's bytes, never decoded.
 */
public record FilePart(String fileName, int chunkIndex, int totalChunks, byte[] content,
        io.github.kresconnect.filesink.protocol.TransferIntegrity integrity) {

    public boolean isWholeFile() {
        return totalChunks == 1;
    }

    @Override
    public String toString() {
        return isWholeFile()
                ? "file '" + fileName + "' (" + content.length + " bytes)"
                : "chunk " + chunkIndex + "/" + totalChunks + " of '" + fileName + "' (" + content.length + " bytes)";
    }
}
