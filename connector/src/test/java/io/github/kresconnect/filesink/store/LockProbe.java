package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Asks another process whether it can lock a file, as a second worker would: a POSIX lock is per process, so only
 * another process sees whether this one still holds it.
 */
final class LockProbe {
    private LockProbe() {
    }

    /** True when another process can take the lock on {@code file} now. */
    static boolean canLock(Path file) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes;
        try {
            classes = Path.of(LockProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        Process probe = new ProcessBuilder(java, "-cp", classes, LockProbe.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        if (!probe.waitFor(60, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            throw new IOException("the lock probe did not answer");
        }
        return probe.exitValue() == 0;
    }

    /** Waits (a bounded number of probes) until another process can take the lock. */
    static void awaitFree(Path file) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (canLock(file)) {
                return;
            }
        }
        throw new AssertionError(file + " stayed locked");
    }

    /** Exits 0 when it could lock the file given, 1 when another process holds it. */
    public static void main(String[] args) throws IOException {
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            System.exit(lock != null ? 0 : 1);
        }
    }
}
