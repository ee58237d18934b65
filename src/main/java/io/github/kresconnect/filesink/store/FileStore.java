package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The files directory: safe names, chunk staging, streaming assembly, config validation and publication
 * with backup. Knows nothing of Kafka Connect.
 */
public final class FileStore {

    public FileStore(Path filesDir, StoreSettings settings, Clock clock) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Cleans what an interrupted run left (temporary files); existing chunk sets start their expiry clock now. */
    public void recover() throws IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** A whole file: written to {@code F.tmp} with fsync and validated. */
    public PreparedFile prepareWholeFile(String name, byte[] content) throws RejectedFileException, IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * Stages chunk {@code index} of {@code total} as {@code F.chunks/index} (fsync'd, idempotent). Returns the
     * assembled, validated file once every chunk is present, else empty.
     */
    public Optional<PreparedFile> stageChunk(String name, int index, int total, byte[] content)
            throws RejectedFileException, IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Discards chunk sets idle for longer than the stale time; returns the file names whose sets went. */
    public List<String> expireStaleChunkSets() throws IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
