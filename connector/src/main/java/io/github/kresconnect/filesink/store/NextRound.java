package io.github.kresconnect.filesink.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * What the next round must commit, gathered on the task's thread: the operations applied since the last round,
 * the work files written since (every write marks its file, whichever round the file began in), completed files
 * to put in place, and work files to remove once the round has committed.
 */
final class NextRound {
    /**
     * A completed file; {@code written} is the write of a small whole file's work file, under way on the store's
     * writer thread (null for a file assembled on the task's thread): the round waits for it before it syncs.
     */
    record Publication(SafeFileName name, FileKind kind, long seq, long size, String sha256, Object source,
            FileLocation location, Future<Placement.WorkFile> written) {
    }

    final List<JournalOp> ops = new ArrayList<>();
    /** An operation was queued that needs a round of its own (acknowledgements and identities alone do not). */
    boolean changes;
    final Set<Path> written = new LinkedHashSet<>();
    boolean workDirChanged;
    final List<Publication> publications = new ArrayList<>();
    final List<Path> garbage = new ArrayList<>();
    /** Bytes of small whole files handed to the writer since the last round (held in memory until written). */
    long inlineBytes;

    boolean isEmpty() {
        return !changes && publications.isEmpty();
    }

    /** Work file {@code path} was written to: the next round syncs it. */
    void written(Path path) {
        written.add(path);
    }

    /** A work file that the round after this one's commit may remove; it is not synced. */
    void garbage(Path path) {
        written.remove(path);
        garbage.add(path);
    }
}
