package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes small whole files into their work files on a thread of its own: the task's thread queues them as they are
 * applied and hands each batch over at once ({@link #flush}, one wake-up of the writer for a batch, not one per
 * file), then goes on reading records; the round that commits them finds them written (it waits for each with
 * {@link #await}) while it was syncing and placing the round before. A work file written here and not yet in the
 * journal is an unknown work file to a recovery, which removes it, like any written before its round commits.
 * Queuing and flushing are the task's thread's; the writes are the writer's.
 */
final class WorkWriter {
    private record Queued(Path data, byte[] content, CompletableFuture<Placement.WorkFile> written) {
    }

    private final Placement placement;
    private final ExecutorService thread;
    private List<Queued> queued = new ArrayList<>();

    WorkWriter(Placement placement) {
        this.placement = placement;
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.named("resolver-file-sink-write"));
    }

    /**
     * Queues work file {@code data} with {@code content}, to be created and written once {@link #flush} hands it
     * over; the future ends when it is written, with what the file's placement needs to know of it
     * ({@link Placement#describe}).
     */
    Future<Placement.WorkFile> write(Path data, byte[] content) {
        CompletableFuture<Placement.WorkFile> written = new CompletableFuture<>();
        queued.add(new Queued(data, content, written));
        return written;
    }

    /** Hands the files queued since the last call to the writer's thread, to be written in order, as one task. */
    void flush() {
        if (queued.isEmpty()) {
            return;
        }
        List<Queued> batch = queued;
        queued = new ArrayList<>();
        thread.execute(() -> {
            for (Queued file : batch) {
                try {
                    try (FileChannel channel = placement.createData(file.data())) {
                        DurableFiles.writeFully(channel, ByteBuffer.wrap(file.content()));
                    }
                    file.written().complete(Placement.describe(file.data()));
                } catch (IOException | RuntimeException | Error e) {
                    file.written().completeExceptionally(e);
                }
            }
        });
    }

    /** Waits for a write of {@link #write}; its failure (the environment's) is thrown here. */
    static Placement.WorkFile await(Future<Placement.WorkFile> write) throws IOException {
        return Futures.get(write, "a work file to be written");
    }

    /**
     * Lets the writes already handed over end (a round may be waiting for them), then stops the thread: no work
     * file is created after this returns, so a store opened next never finds one appear under its feet. What is
     * queued and not handed over is dropped: no round waits for it.
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
