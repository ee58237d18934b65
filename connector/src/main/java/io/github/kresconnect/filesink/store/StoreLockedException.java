package io.github.kresconnect.filesink.store;

/** Another task or worker holds the files directory: two writers would undo each other's guarantees. */
public final class StoreLockedException extends Exception {
    public StoreLockedException(String message) {
        super(message);
    }
}
