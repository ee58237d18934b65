package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes small whole files into their work files on a thread of its own, as they are applied: the task's thread
 * goes on reading records, and the round that commits them finds them written (it waits for each with
 * {@link #await}) while it was syncing and placing the round before. A work file written here and not yet in the
 * journal is an unknown work file to a recovery, which removes it, like any written before its round commits.
 */
final class WorkWriter {
    private final Placement placement;
    private final ExecutorService thread;

    WorkWriter(Placement placement) {
        this.placement = placement;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread writer = new Thread(runnable, "resolver-file-sink-write");
            writer.setDaemon(true);
            return writer;
        });
    }

    /**
     * Creates work file {@code data} and writes {@code content} into it, soon; the future ends when it has, with
     * what the file's placement needs to know of it ({@link Placement#describe}).
     */
    Future<Placement.WorkFile> write(Path data, byte[] content) {
        return thread.submit(() -> {
            try (FileChannel channel = placement.createData(data)) {
                DurableFiles.writeFully(channel, ByteBuffer.wrap(content));
            }
            return Placement.describe(data);
        });
    }

    /** Waits for a write of {@link #write}; its failure (the environment's) is thrown here. */
    static Placement.WorkFile await(Future<Placement.WorkFile> write) throws IOException {
        return Futures.get(write, "a work file to be written");
    }

    /**
     * Lets the writes already asked for end (a round may be waiting for them), then stops the thread: no work file
     * is created after this returns, so a store opened next never finds one appear under its feet.
     */
    void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
