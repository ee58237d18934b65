package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * Drives a {@link FileStore} the way the task does: one source partition, offsets counted up, every record
 * marked applied after it was handled (rejected ones too), and the publication listener recorded.
 */
final class StoreDriver implements AutoCloseable {
    static final SourcePartition PARTITION = new SourcePartition("knot-resolver", 0);

    final Path filesDir;
    final StoreSettings settings;
    final MutableClock clock = new MutableClock();
    final FileStore.StepHook hook;
    /** What the listener was told, in order: "owe:CONFIG", "owe:DATA", "armed", "discarded:NAME". */
    final List<String> events = new ArrayList<>();
    FileStore store;
    long nextOffset;

    StoreDriver(Path filesDir) throws Exception {
        this(filesDir, StoreFixtures.settings(), FileStore.StepHook.NONE);
    }

    StoreDriver(Path filesDir, StoreSettings settings, FileStore.StepHook hook) throws Exception {
        this.filesDir = filesDir;
        this.settings = settings;
        this.hook = hook;
        open();
    }

    void open() throws IOException, StoreLockedException {
        store = FileStore.open(filesDir, settings, clock, hook);
        store.setListener(new FileStore.Listener() {
            @Override
            public void beforePublishing(FileKind kind) {
                events.add("owe:" + kind);
            }

            @Override
            public void afterPublishing() {
                events.add("armed");
            }

        });
        nextOffset = store.durableOffset(PARTITION).orElse(0);
    }

    /** Applies the next record at the next offset; it is marked applied whatever happens but an I/O failure. */
    FileStore.Applied apply(FilePart part) throws RejectedFileException, IOException {
        long offset = nextOffset++;
        if (store.isApplied(PARTITION, offset)) {
            return null;
        }
        try {
            return store.apply(part, "offset " + offset);
        } finally {
            store.markApplied(PARTITION, offset);
            discarded();
        }
    }

    /** A part of a signed transfer of {@code version}. */
    FileStore.Applied apply(FilePart part, long version) throws RejectedFileException, IOException {
        long offset = nextOffset++;
        try {
            return store.apply(part, version, "offset " + offset);
        } finally {
            store.markApplied(PARTITION, offset);
            discarded();
        }
    }

    /** What the store dropped, as the events "discarded:NAME". */
    private void discarded() {
        store.takeDiscarded().forEach(transfer -> events.add("discarded:" + transfer.name()));
    }

    FileStore.Applied chunk(String name, int index, int total, byte[] content) throws RejectedFileException, IOException {
        return apply(new FilePart(name, index, total, content, null));
    }

    FileStore.Applied chunk(String name, int index, int total, String content) throws RejectedFileException, IOException {
        return chunk(name, index, total, bytes(content));
    }

    FileStore.Applied chunk(String name, int index, int total, byte[] content, TransferIntegrity integrity)
            throws RejectedFileException, IOException {
        return apply(new FilePart(name, index, total, content, integrity));
    }

    FileStore.Applied whole(String name, byte[] content) throws RejectedFileException, IOException {
        return chunk(name, 1, 1, content);
    }

    FileStore.Applied whole(String name, String content) throws RejectedFileException, IOException {
        return whole(name, bytes(content));
    }

    FileStore.Round commit() throws IOException {
        return store.commit();
    }

    /** A clean restart: commit, close, open. */
    void restart() throws Exception {
        store.commit();
        store.close();
        open();
    }

    /** A crash: the store is dropped without committing; a new one recovers from the disk. */
    void crashAndReopen() throws Exception {
        store.close();
        open();
    }

    @Override
    public void close() {
        store.close();
    }

    static byte[] bytes(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }
}
