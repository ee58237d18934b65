package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes files and directories durable, several at once: concurrent fsyncs share the file system's journal
 * commits. Also starts a large work file's data on its way to disk early, so the round that publishes it finds
 * little left to sync (the round's own fsync is what durability rests on).
 */
final class SyncPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncPool.class);
    private static final int THREADS = 32;
    /** Fewer than this many are synced one after the other. */
    private static final int PARALLEL_FROM = 4;

    private ExecutorService pool;

    /** fsyncs every path (files and directories alike) and returns once all of them are durable. */
    void syncAll(Collection<Path> paths) throws IOException {
        if (paths.size() < PARALLEL_FROM) {
            for (Path path : paths) {
                DurableFiles.syncFile(path, null);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(paths.size());
        for (Path path : paths) {
            futures.add(pool().submit(() -> {
                DurableFiles.syncFile(path, null);
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while syncing files", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Starts writing a work file's data to disk without waiting; a failure is the next round's to find. */
    void startWriteback(FileChannel channel) {
        pool().execute(() -> {
            try {
                channel.force(false);
            } catch (IOException e) {
                log.debug("Early writeback of a work file did not complete: {}", e.toString());
            }
        });
    }

    private synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(THREADS, runnable -> {
                Thread thread = new Thread(runnable, "resolver-file-sink-fsync");
                thread.setDaemon(true);
                return thread;
            });
        }
        return pool;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
