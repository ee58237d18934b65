package io.github.kresconnect.filesink.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the next round must commit, gathered on the task's thread: the operations applied since the last round,
 * the work files written since (every write marks its file, whichever round the file began in), completed files
 * to put in place, and work files to remove once the round has committed.
 */
final class NextRound {
    /** A completed file; {@code inline} holds a small whole file's bytes that the round writes itself. */
    record Publication(SafeFileName name, FileKind kind, long seq, long size, String sha256, Object source,
            FileLocation location, byte[] inline) {
    }

    final List<JournalOp> ops = new ArrayList<>();
    /** An operation was queued that needs a round of its own (acknowledgements and identities alone do not). */
    boolean changes;
    final Set<Path> written = new LinkedHashSet<>();
    boolean workDirChanged;
    final List<Publication> publications = new ArrayList<>();
    final List<Path> garbage = new ArrayList<>();
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
