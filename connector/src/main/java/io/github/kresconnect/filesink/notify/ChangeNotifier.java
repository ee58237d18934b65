package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import io.github.kresconnect.filesink.store.FileKind;

/**
 * Told about every file that is about to change, and then that it is in place, so the resolver manager can be
 * asked to reload (config) or renew (other files) once things are quiet. For each group of publications the
 * caller calls {@link #fileChanging} for each file before its rename, then {@link #filesPublished} once after
 * the renames and the directory fsync.
 */
public interface ChangeNotifier extends AutoCloseable {

    /**
     * Called just before a changed file replaces the current one. When this returns, the request owed for it
     * must be durable (it survives a crash), because the record's offset may be committed right after. It is
     * not sent before the next {@link #filesPublished()}: a request sent in between does not cover this file.
     */
    void fileChanging(FileKind kind) throws IOException;

    /** As {@link #fileChanging(FileKind)}, naming the files of that kind: the request is reported as for them. */
    default void fileChanging(FileKind kind, List<ChangedFile> files) throws IOException {
        fileChanging(kind);
    }

    /**
     * As {@link #fileChanging(FileKind, List)}, but a write it can leave unsynced (a line appended to what is owed)
     * is handed to {@code syncLater} instead, and the caller makes that file durable before it relies on it: a
     * caller that syncs other files at that point anyway saves a wait.
     */
    default void fileChanging(FileKind kind, List<ChangedFile> files, Consumer<Path> syncLater) throws IOException {
        fileChanging(kind, files);
    }

    /**
     * Called after the files announced by {@link #fileChanging} are in place (renamed, directory fsync'd):
     * what they are owed may now be sent, once no publication came for the quiet period. Never blocks on the
     * manager.
     */
    void filesPublished();

    /** Stops sending; a pending request stays persisted for the next start. Never blocks on the manager. */
    @Override
    void close();

    /** For deliveries without notification (manager.notify.enabled=false). */
    static ChangeNotifier none() {
        return new ChangeNotifier() {
            @Override
            public void fileChanging(FileKind kind) {
            }

            @Override
            public void filesPublished() {
            }

            @Override
            public void close() {
            }
        };
    }
}
