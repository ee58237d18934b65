package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What the benchmark's disk limits do for each small file, shared by the benchmark's own process and
 * {@link DiskLimitSink} in the worker: file {@code f<i>} created and written aside, then one syncfs(2), each file
 * renamed into place, one fsync of the directory. Needs nothing beyond the JDK and {@link FileSystemSync}.
 */
final class AsideFiles {
    private AsideFiles() {
    }

    /** Creates file {@code f<i>} in {@code aside} and writes {@code content} into it. */
    static void write(Path aside, int i, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(aside.resolve("f" + i), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** Makes files {@code f0..f<count-1>} of {@code aside} durable with one syncfs, then {@link #rename}. */
    static void publish(Path dir, Path aside, int count) throws IOException {
        FileSystemSync.syncFileSystemOf(dir);
        rename(dir, aside, count);
    }

    /** Renames files {@code f0..f<count-1>} of {@code aside} into {@code dir}, then one fsync of {@code dir}. */
    static void rename(Path dir, Path aside, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Files.move(aside.resolve("f" + i), dir.resolve("f" + i), StandardCopyOption.ATOMIC_MOVE);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
