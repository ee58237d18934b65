package io.github.kresconnect.filesink.store;

import java.nio.file.Path;

/**
 * The names of the store's work files in {@code D/.resolver-file-sink/store/work/}: {@code t<n>.data} (the next
 * version of a file, in-order chunks written straight into it), {@code t<n>.c<i>} (a chunk that arrived out of
 * order), {@code b<n>.link} (the backup link being made).
 */
record WorkFiles(Path dir) {

    Path data(long seq) {
        return dir.resolve("t" + seq + ".data");
    }

    Path chunk(long seq, int index) {
        return dir.resolve("t" + seq + ".c" + index);
    }

    Path backupLink(long seq) {
        return dir.resolve("b" + seq + ".link");
    }
}
