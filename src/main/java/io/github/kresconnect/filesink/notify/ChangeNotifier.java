package io.github.kresconnect.filesink.notify;

import java.io.IOException;

import io.github.kresconnect.filesink.store.FileKind;

/**
 * Told about every file that is about to change, so the resolver manager can be asked to reload (config)
 * or renew (other files) once things are quiet.
 */
public interface ChangeNotifier extends AutoCloseable {

    /**
     * Called just before a changed file replaces the current one. When this returns, the pending request
     * must be durable (it survives a crash), because the record's offset may be committed right after.
     */
    void fileChanging(FileKind kind) throws IOException;

    /** The files announced so far are in place: the request may now be sent. */
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
