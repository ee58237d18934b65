package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One durability barrier for the files directory's file system: a round makes its work files and renames
 * durable with one call instead of one fsync per path. It covers the paths on the same file system as the
 * files directory; {@link SyncPool} fsyncs any other path one by one. Either the file system's own
 * ({@link DurabilityBarrier}), or syncfs(2) on Linux ({@link SyncFs}); {@link #forDirectory} returns null
 * where neither is available.
 */
abstract class Barrier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Barrier.class);

    /** Whether one {@link #sync} makes {@code path} durable (a file's data, or a directory's entries). */
    abstract boolean covers(Path path) throws IOException;

    /** Makes everything it covers durable, as it is now. */
    abstract void sync() throws IOException;

    @Override
    public void close() {
    }

    /** The barrier of {@code dir}'s file system, or null: then every path is fsync'd on its own. */
    static Barrier forDirectory(Path dir) {
        if (dir.getFileSystem() instanceof DurabilityBarrier fileSystem) {
            return new Barrier() {
                @Override
                boolean covers(Path path) {
                    return path.getFileSystem() == dir.getFileSystem();
                }

                @Override
                void sync() throws IOException {
                    fileSystem.makeDurable(dir);
                }

                @Override
                public String toString() {
                    return "the barrier of " + dir.getFileSystem();
                }
            };
        }
        if (dir.getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        String unavailable = SyncFs.unavailable();
        if (unavailable != null) {
            log.info("Files are made durable one fsync at a time: {}", unavailable);
            return null;
        }
        try {
            return new OnDevice(dir, SyncFs.open(dir));
        } catch (IOException | RuntimeException e) {
            log.info("Files are made durable one fsync at a time: syncfs(2) cannot be used on {}: {}", dir,
                    e.toString());
            return null;
        }
    }

    /** syncfs(2) through a descriptor of the files directory kept open while the store is. */
    private static final class OnDevice extends Barrier {
        private final Path dir;
        private final Object device;
        private final SyncFs fs;

        OnDevice(Path dir, SyncFs fs) throws IOException {
            this.dir = dir;
            this.fs = fs;
            this.device = device(dir);
        }

        @Override
        boolean covers(Path path) throws IOException {
            if (path.getFileSystem() != dir.getFileSystem()) {
                return false;
            }
            try {
                return Objects.equals(device, device(path));
            } catch (NoSuchFileException e) {
                return false; // its own fsync reports it
            }
        }

        private static Object device(Path path) throws IOException {
            return Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        void sync() throws IOException {
            fs.sync();
        }

        @Override
        public void close() {
            fs.close();
        }

        @Override
        public String toString() {
            return "syncfs(2) of the file system of " + dir;
        }
    }
}
