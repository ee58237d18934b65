package io.github.kresconnect.filesink.store;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Arrays;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library's functions the store calls itself, through JNA (direct mapping), on Linux: syncfs(2) and the
 * descriptor it needs ({@link SyncFs}), and faccessat(2), which tells whether a name exists without following it
 * and without the cost of an exception ({@link #nothingAt}). Everything here has a slower way in the JDK that the
 * store takes where this is {@link #unavailable()}.
 */
final class LibC {
    static final int O_RDONLY = 0;
    /** 02000000 on x86-64 and aarch64. */
    static final int O_CLOEXEC = 0x80000;
    private static final int AT_FDCWD = -100;
    private static final int F_OK = 0;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final String UNAVAILABLE = load();
    /** The JDK's own encoding of file names, which these calls are given too. */
    private static final Charset FILE_NAMES = fileNameEncoding();

    private LibC() {
    }

    static native int open(byte[] path, int flags) throws LastErrorException;

    static native int syncfs(int fd) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** -1 when the call fails, without an exception (errno is not read). */
    private static native int faccessat(int dirfd, byte[] path, int mode, int flags);

    /** Null when these functions can be called here, else why not. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    private static String load() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return "the C library is called on Linux only, not " + System.getProperty("os.name");
        }
        try {
            Native.register(LibC.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "the native library (JNA) cannot be loaded: " + e;
        }
    }

    private static Charset fileNameEncoding() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8; // the JDK's own file names are in UTF-8 then too
        }
    }

    /** {@code path}, absolute, as a C string. */
    static byte[] cString(Path path) {
        byte[] name = path.toAbsolutePath().toString().getBytes(FILE_NAMES);
        return Arrays.copyOf(name, name.length + 1);
    }

    /**
     * True when lstat(2) of {@code path} would fail: nothing is there (a symbolic link, even one leading nowhere,
     * is something); false when something is; null when this cannot tell (not on the default file system, or the
     * library is unavailable), and the caller looks for itself. A new file's name is checked this way without a
     * {@code NoSuchFileException} and its stack trace.
     */
    static Boolean nothingAt(Path path) {
        if (UNAVAILABLE != null || path.getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        return faccessat(AT_FDCWD, cString(path), F_OK, AT_SYMLINK_NOFOLLOW) != 0;
    }
}
