package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * The store's hashing thread: a transfer's running SHA-256 is computed on it, in the order its bytes were written,
 * while the task's thread goes on with the next records (about 0.3 ms for a chunk of 512 KiB, with the CPU's SHA
 * instructions, that the task's thread no longer spends between two polls). At most {@link #MAX_PENDING_BYTES} wait
 * to be hashed at any time: past that, the task's thread waits for the hasher, so memory does not grow with a file's
 * size (bytes handed over are the records' own, held until hashed).
 */
final class Hasher implements AutoCloseable {
    static final int MAX_PENDING_BYTES = 8 * 1024 * 1024;

    private final int maxPendingBytes;
    private final Semaphore pending;
    private ExecutorService thread;

    Hasher() {
        this(MAX_PENDING_BYTES);
    }

    /** Tests set a smaller bound. */
    Hasher(int maxPendingBytes) {
        this.maxPendingBytes = maxPendingBytes;
        this.pending = new Semaphore(maxPendingBytes);
    }

    /** A new running SHA-256 hashed on this thread. */
    Digest newSha256() {
        return new Digest(TransferIntegrity.newSha256());
    }

    private synchronized ExecutorService thread() {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(DaemonThreads.named("resolver-file-sink-hash"));
        }
        return thread;
    }

    /** Tests hold the hashing thread with {@code task}: what is handed over meanwhile waits behind it. */
    Future<?> runOnThread(Runnable task) {
        return thread().submit(task);
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** One running digest; used by one thread at a time (the task's), hashed on the hasher's. */
    final class Digest {
        private final MessageDigest digest;
        private Future<?> last = CompletableFuture.completedFuture(null);

        private Digest(MessageDigest digest) {
            this.digest = digest;
        }

        /** Hashes {@code bytes} (from its position to its limit) later: they must not change afterwards. */
        void update(ByteBuffer bytes) {
            ByteBuffer stable = bytes.duplicate();
            int permits = Math.min(stable.remaining(), maxPendingBytes);
            pending.acquireUninterruptibly(permits);
            try {
                last = thread().submit(() -> {
                    try {
                        digest.update(stable);
                    } finally {
                        pending.release(permits);
                    }
                });
            } catch (RuntimeException e) {
                pending.release(permits);
                throw e;
            }
        }

        /** Hashes {@code bytes} now, after everything handed over before: they may change once this returns. */
        void updateNow(ByteBuffer bytes) throws IOException {
            await();
            digest.update(bytes.duplicate());
        }

        /** The SHA-256 of everything handed over, in hex, once it is hashed. */
        String hex() throws IOException {
            await();
            return HexFormat.of().formatHex(digest.digest());
        }

        private void await() throws IOException {
            Futures.get(last, "the file's SHA-256");
        }
    }
}
