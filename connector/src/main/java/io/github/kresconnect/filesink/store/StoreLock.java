package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per files directory: a lock on {@code store/lock} against other processes, and a set of the
 * directories this JVM holds against a second store in the same worker. The set is checked first, because a POSIX
 * lock belongs to the process: closing any channel to the lock file, even one whose own attempt failed, would
 * release the lock that the first store holds.
 */
final class StoreLock implements AutoCloseable {
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path lockFile;
    private final FileChannel channel;

    private StoreLock(Path lockFile, FileChannel channel) {
        this.lockFile = lockFile;
        this.channel = channel;
    }

    static StoreLock acquire(Path lockFile, Path filesDir) throws IOException, StoreLockedException {
        if (!HELD.add(lockFile)) {
            throw locked(lockFile, filesDir, "another task of this worker uses it");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw locked(lockFile, filesDir, "another process holds " + lockFile);
            }
            return new StoreLock(lockFile, channel);
        } catch (IOException | StoreLockedException | RuntimeException e) {
            if (channel != null) {
                try {
                    channel.close(); // this process holds no lock on the file: the set above says so
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            HELD.remove(lockFile);
            throw e;
        }
    }

    private static StoreLockedException locked(Path lockFile, Path filesDir, String why) {
        return new StoreLockedException("files directory " + filesDir + " is in use by another task or worker ("
                + why + "); exactly one "
                + "connector task may write to a files directory");
    }

    /** Releases the lock; the directory may be opened again. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            HELD.remove(lockFile);
        }
    }
}
