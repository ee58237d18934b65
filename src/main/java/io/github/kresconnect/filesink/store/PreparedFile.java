package io.github.kresconnect.filesink.store;

import java.io.IOException;

/**
 * A complete, validated file waiting in {@code F.tmp} (fsync'd) to replace {@code F}. The caller may act
 * between preparation and publication (persist a pending reload) so a crash never loses the change.
 */
public interface PreparedFile {

    /** The file's name relative to the files directory, as validated. */
    String name();

    FileKind kind();

    long size();

    /** False when the content equals the current file (a replay); publishing then replaces nothing. */
    boolean changesCurrentFile();

    /**
     * Keeps the current content as {@code F.backup}, renames {@code F.tmp} over {@code F} atomically, fsyncs
     * the directory, then removes the file's chunk set. For unchanged content it only cleans up.
     */
    PublishOutcome publish() throws IOException;
}
