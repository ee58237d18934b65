package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link java.nio.file.FileSystem} that can make everything written to it durable at once, as syncfs(2) does
 * for a Linux file system. The store checks {@code path.getFileSystem() instanceof DurabilityBarrier} before it
 * falls back to syncfs(2) on the default file system, or to one fsync per file and directory elsewhere.
 */
public interface DurabilityBarrier {
    /**
     * Makes durable the data of every file and the entries of every directory (creations, renames, deletions)
     * of the file system that holds {@code path}, as they are when it is called; returns once they are.
     */
    void makeDurable(Path path) throws IOException;
}
