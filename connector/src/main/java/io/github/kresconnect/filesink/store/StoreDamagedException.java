package io.github.kresconnect.filesink.store;

import java.nio.file.Path;

/**
 * The store's journal lost data that had been made durable (not a write a crash interrupted): replaying it would
 * move offsets and version floors back, so the store refuses to open. Not the environment's passing failure: the
 * task stops with this message, which says what the operator can do.
 */
public final class StoreDamagedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreDamagedException(Path journal, long position, String why) {
        super("The journal " + journal + " is damaged at byte " + position + ": " + why + ". Nothing was changed. "
                + "If the disk is healthy, stop the worker, move the directory " + journal.getParent()
                + " aside (keep it for analysis) and start again: the files in place stay as they are, delivery "
                + "resumes from the offsets Kafka Connect committed last, and records from there are applied again; "
                + "the signed versions this host had seen are forgotten with it, so check that the topic holds no "
                + "older signed versions you do not want back");
    }
}
