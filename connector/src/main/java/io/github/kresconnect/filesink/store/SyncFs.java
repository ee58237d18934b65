package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;

/**
 * syncfs(2) through JNA ({@link LibC}): writes out every dirty inode of one file system, data and directory
 * entries alike, and waits for it (a journal commit and a cache flush on ext4 and XFS). Linux on x86-64 and
 * aarch64 from 5.8 on only: before 5.8 syncfs(2) did not report write-back errors. The descriptor stays open
 * while the store does, so that every write-back error since the store opened is reported to it once.
 */
final class SyncFs implements AutoCloseable {
    private static final String UNAVAILABLE = check();

    private int fd;

    private SyncFs(int fd) {
        this.fd = fd;
    }

    /** Null when syncfs(2) can be used here, else why not. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    private static String check() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "syncfs(2) is used on Linux on x86-64 and aarch64 only, not " + os + " on " + arch;
        }
        if (!atLeast(System.getProperty("os.version", ""), 5, 8)) {
            return "Linux " + System.getProperty("os.version") + " is older than 5.8, whose syncfs(2) reports "
                    + "write-back errors";
        }
        return LibC.unavailable();
    }

    static boolean atLeast(String kernel, int major, int minor) {
        String[] parts = kernel.split("[.-]");
        try {
            int have = Integer.parseInt(parts[0]);
            int haveMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return have > major || have == major && haveMinor >= minor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A descriptor of {@code dir} (a directory) for syncfs(2) of its file system. */
    static SyncFs open(Path dir) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        try {
            return new SyncFs(LibC.open(LibC.cString(dir), LibC.O_RDONLY | LibC.O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new IOException("open(" + dir + "): errno " + e.getErrorCode(), e);
        }
    }

    synchronized void sync() throws IOException {
        if (fd < 0) {
            throw new IOException("syncfs(2) after the store closed");
        }
        try {
            LibC.syncfs(fd);
        } catch (LastErrorException e) {
            throw new IOException("syncfs(2) failed: errno " + e.getErrorCode() + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                LibC.close(fd);
            } catch (LastErrorException e) {
                // nothing was written through it
            }
            fd = -1;
        }
    }
}
