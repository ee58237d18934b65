package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** syncfs(2) for the benchmark's physical baseline (Linux only; JNA, as the connector's store uses it). */
final class FileSystemSync {
    private static final boolean AVAILABLE = register();

    private FileSystemSync() {
    }

    private static native int open(byte[] path, int flags) throws LastErrorException;

    private static native int syncfs(int fd) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private static boolean register() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Native.register(FileSystemSync.class, Platform.C_LIBRARY_NAME);
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    static boolean available() {
        return AVAILABLE;
    }

    /** Writes out every dirty inode of the file system holding {@code dir} and waits for it. */
    static void syncFileSystemOf(Path dir) throws IOException {
        byte[] name = dir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        try {
            int fd = open(Arrays.copyOf(name, name.length + 1), 0);
            try {
                syncfs(fd);
            } finally {
                close(fd);
            }
        } catch (LastErrorException e) {
            throw new IOException("syncfs(2) of " + dir + ": errno " + e.getErrorCode(), e);
        }
    }
}
