package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * The one place for the file operations the connector's durability rests on: writing whole buffers, fsync of
 * files and directories, atomic replacement, fresh files that never follow a symbolic link, streaming copies and removal.
 */
public final class DurableFiles {
    static final int BUFFER_BYTES = 64 * 1024;

    private DurableFiles() {
    }

    /** Makes a directory's entries (creations, renames, deletions) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Makes a file's content durable: through {@code open} when it is an open channel to it, else by path. */
    static void syncFile(Path path, FileChannel open) throws IOException {
        if (open != null && open.isOpen()) {
            open.force(true);
            return;
        }
        try (FileChannel channel = openForReading(path)) {
            channel.force(true);
        }
    }

    /** A new, empty file for writing (and reading back); whatever was at {@code path} (ours) is removed first. */
    static FileChannel createFresh(Path path) throws IOException {
        Files.deleteIfExists(path);
        return FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS);
    }

    /** A new file that must not exist yet, for writing and reading back; never follows a symbolic link. */
    static FileChannel createNew(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * As {@link #createNew(Path)}, created with {@code mode} (less the process's umask) where the file system has
     * POSIX permissions, so that a file needs no chmod when the umask leaves the mode whole.
     */
    static FileChannel createNew(Path path, Set<PosixFilePermission> mode) throws IOException {
        try {
            return FileChannel.open(path, CREATE_NEW_OPTIONS, PosixFilePermissions.asFileAttribute(mode));
        } catch (UnsupportedOperationException e) {
            return createNew(path);
        }
    }

    private static final Set<OpenOption> CREATE_NEW_OPTIONS = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    static FileChannel openForReading(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Replaces {@code file} with {@code content} atomically and durably: a temporary sibling is written and
     * fsync'd, renamed over the file, and the directory fsync'd. A reader, or a crash, sees the old or the new
     * content, never a mix.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel channel = createFresh(temp)) {
            writeFully(channel, ByteBuffer.wrap(content));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.getParent());
    }

    /**
     * Appends {@code content} to the existing {@code file}; with {@code sync}, makes it durable (data and length)
     * before returning (without, the caller makes it durable, before anything relies on it). Not atomic: a crash
     * during the call can leave part of {@code content} at the end, which the reader must tell apart (a line-based
     * file skips an unreadable last line).
     */
    public static void append(Path file, byte[] content, boolean sync) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS)) {
            writeFully(channel, ByteBuffer.wrap(content));
            if (sync) {
                channel.force(true);
            }
        }
    }

    /** Writes all of {@code buffer} at the channel's position. */
    public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Writes all of {@code buffer} at {@code position}, leaving the channel's position alone. */
    static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    /** Streams {@code source} into {@code target} with a fixed buffer, then fsyncs the target. */
    static void copy(Path source, Path target) throws IOException {
        try (FileChannel in = openForReading(source); FileChannel out = createFresh(target)) {
            transferAll(in, out);
            out.force(true);
        } catch (IOException e) {
            deleteQuietly(target, e);
            throw e;
        }
    }

    /** Appends all of {@code in} to {@code out} (kernel-side copy where possible; no heap buffer). */
    static long transferAll(FileChannel in, FileChannel out) throws IOException {
        long size = in.size();
        long position = 0;
        while (position < size) {
            long moved = in.transferTo(position, size - position, out);
            if (moved <= 0) {
                throw new IOException("could not copy beyond byte " + position + " of " + size);
            }
            position += moved;
        }
        return position;
    }

    /** Removes a file or a whole tree; a symbolic link is removed itself, never followed. */
    static void deleteRecursively(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isDirectory()) {
            Files.deleteIfExists(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteQuietly(Path path, Exception failure) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
