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
 * Makes files and directories durable, several at once: with the files directory's {@link Barrier} (syncfs(2),
 * or the file system's own) when there is one and more than one path is on its file system, otherwise with
 * concurrent fsyncs, which share the file system's journal commits. Also starts a large work file's data on its
 * way to disk early, so the round that publishes it finds little left to sync (the round's own sync is what
 * durability rests on).
 */
final class SyncPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncPool.class);
    private static final int THREADS = 32;
    /** Fewer than this many are synced one after the other. */
    private static final int PARALLEL_FROM = 4;

    /** One path alone is fsync'd: a barrier would also write out what others have written to the file system. */
    private static final int BARRIER_FROM = 2;

    private final Barrier barrier;
    private ExecutorService pool;

    /** {@code barrier}: the files directory's, or null for one fsync per path. */
    SyncPool(Barrier barrier) {
        this.barrier = barrier;
    }

    /**
     * Makes every path durable (a file's data, a directory's entries) and returns once all of them are: one
     * barrier for those on the files directory's file system, an fsync for each of the others.
     */
    void syncAll(Collection<Path> paths) throws IOException {
        if (barrier != null && paths.size() >= BARRIER_FROM) {
            List<Path> others = new ArrayList<>();
            for (Path path : paths) {
                if (!barrier.covers(path)) {
                    others.add(path);
                }
            }
            if (others.size() < paths.size()) {
                barrier.sync();
            }
            fsyncAll(others);
            return;
        }
        fsyncAll(paths);
    }

    /**
     * As {@link #syncAll}, for files the store created in directory {@code dir} (its work directory), and that
     * directory's entries when {@code withDir}, and a few {@code others} anywhere: a file created in a directory
     * lies on that directory's file system, so whether the barrier covers {@code dir} decides for all of them
     * (one look at the directory, not one per file); each of the others is looked at on its own. A file
     * elsewhere is left to {@link #syncAll}.
     */
    void syncCreatedIn(Path dir, Collection<Path> files, boolean withDir, Collection<Path> others)
            throws IOException {
        List<Path> all = new ArrayList<>(files.size() + 1 + others.size());
        all.addAll(files);
        if (withDir) {
            all.add(dir);
        }
        if (barrier != null && all.size() + others.size() >= BARRIER_FROM
                && files.stream().allMatch(file -> dir.equals(file.getParent())) && barrier.covers(dir)) {
            List<Path> uncovered = new ArrayList<>();
            for (Path other : others) {
                if (!barrier.covers(other)) {
                    uncovered.add(other);
                }
            }
            barrier.sync();
            fsyncAll(uncovered);
            return;
        }
        all.addAll(others);
        syncAll(all);
    }

    /** Whether rounds use a barrier. */
    boolean hasBarrier() {
        return barrier != null;
    }

    private void fsyncAll(Collection<Path> paths) throws IOException {
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
            pool = Executors.newFixedThreadPool(THREADS, DaemonThreads.named("resolver-file-sink-fsync"));
        }
        return pool;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        if (barrier != null) {
            barrier.close();
        }
    }
}
