package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The staged chunks of one file, all state on disk: {@code F.chunks/total} holds the expected chunk count,
 * {@code F.chunks/<i>} chunk i (1-based). Each is written under a {@code .tmp} name, fsync'd and renamed,
 * so a chunk file is either complete or absent.
 */
final class ChunkSet {
    private static final String TOTAL_FILE = "total";

    private final Path dir;
    private final int total;
    private final Map<Integer, Long> chunkSizes;
    private long stagedBytes;

    private ChunkSet(Path dir, int total, Map<Integer, Long> chunkSizes) {
        this.dir = dir;
        this.total = total;
        this.chunkSizes = chunkSizes;
        this.stagedBytes = chunkSizes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The set staged in {@code dir}, or empty when there is none (or only an unusable remnant). */
    static Optional<ChunkSet> load(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path totalFile = dir.resolve(TOTAL_FILE);
        int total;
        try {
            total = Integer.parseInt(new String(Files.readAllBytes(totalFile), StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException | NumberFormatException e) {
            // Interrupted while being created: nothing usable was staged yet (the total comes first).
            return Optional.empty();
        }
        if (total < 1) {
            return Optional.empty();
        }
        Map<Integer, Long> sizes = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                int index = chunkIndex(fileName);
                if (index >= 1 && index <= total) {
                    sizes.put(index, Files.size(entry));
                }
            }
        }
        return Optional.of(new ChunkSet(dir, total, sizes));
    }

    /** A new, empty set; a remnant left in {@code dir} by an interrupted creation is reused. */
    static ChunkSet create(Path dir, int total) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
            DurableFiles.syncDirectory(dir.getParent());
        }
        DurableFiles.replace(dir.resolve(TOTAL_FILE), Integer.toString(total).getBytes(StandardCharsets.US_ASCII));
        return new ChunkSet(dir, total, new HashMap<>());
    }

    int total() {
        return total;
    }

    long stagedBytes() {
        return stagedBytes;
    }

    /** Staged bytes once {@code size} bytes are (re)staged as chunk {@code index}. */
    long stagedBytesWith(int index, long size) {
        return stagedBytes - chunkSizes.getOrDefault(index, 0L) + size;
    }

    /** Writes chunk {@code index}, replacing an earlier delivery of it; durable on return. */
    void stage(int index, byte[] content) throws IOException {
        DurableFiles.replace(dir.resolve(Integer.toString(index)), content);
        stagedBytes = stagedBytesWith(index, content.length);
        chunkSizes.put(index, (long) content.length);
    }

    boolean isComplete() {
        return chunkSizes.size() == total;
    }

    /** Joins chunks 1..total in order into a fresh {@code target}, fsync'd; memory use is constant. */
    void assembleInto(Path target) throws IOException {
        try (FileChannel out = DurableFiles.createFresh(target)) {
            for (int index = 1; index <= total; index++) {
                try (FileChannel in = DurableFiles.openForReading(dir.resolve(Integer.toString(index)))) {
                    DurableFiles.transferAll(in, out);
                }
            }
            if (out.size() != stagedBytes) {
                throw new IOException("assembled " + out.size() + " bytes into " + target + ", expected "
                        + stagedBytes + ": the chunk set changed while it was read");
            }
            out.force(true);
        } catch (IOException e) {
            DurableFiles.deleteQuietly(target, e);
            throw e;
        }
    }

    /**
     * Removes a set: first renamed away in one atomic step (so a half-deleted set can never be mixed into a
     * later transfer), then deleted. A remnant of a failed deletion ends with {@code .tmp} and goes at the
     * next recovery.
     */
    static void discard(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path trash = dir.resolveSibling(dir.getFileName() + ".tmp");
        DurableFiles.deleteRecursively(trash);
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.syncDirectory(dir.getParent());
        DurableFiles.deleteRecursively(trash);
        DurableFiles.syncDirectory(dir.getParent());
    }

    /** The index a chunk file's name stands for, or -1 for any other name. */
    private static int chunkIndex(String fileName) {
        if (fileName.isEmpty() || fileName.length() > 9 || fileName.charAt(0) == '0') {
            return -1;
        }
        for (int i = 0; i < fileName.length(); i++) {
            if (fileName.charAt(i) < '0' || fileName.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(fileName);
    }
}
