package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files directory: safe names, chunk staging, streaming assembly, config validation and publication
 * with backup. Knows nothing of Kafka Connect.
 *
 * <p>Layout for a file {@code F} (a name relative to the files directory {@code D}): {@code D/F} the
 * published file, {@code D/F.backup} its previous content, {@code D/F.chunks/} its staged chunks,
 * {@code D/F.tmp} the next content waiting for publication. Every {@code *.tmp} name is an intermediate
 * that {@link #recover()} removes. Hidden names belong to others (the notifier keeps its state in a hidden
 * directory) and are never touched.
 *
 * <p>Failures: a {@link RejectedFileException} means the input can never succeed, and what it staged for
 * that file is discarded when the file can no longer complete; an {@link IOException} is the environment
 * (disk full, permissions) and leaves the store so that repeating the same call works. Not thread-safe:
 * one task uses it from one thread.
 */
public final class FileStore {
    private static final Duration MAX_SCAN_INTERVAL = Duration.ofSeconds(30);

    private final Path filesDir;
    private final StoreSettings settings;
    private final Clock clock;
    private final ConfigFileValidator configValidator;
    private final Duration scanInterval;

    /** Chunk sets by file name. Their idle time is only counted while this store runs, so it lives here. */
    private final Map<String, TrackedChunkSet> chunkSets = new HashMap<>();
    private Instant lastScan;

    private static final class TrackedChunkSet {
        final Path dir;
        Instant lastActivity;
        /** The set's state as read from disk, or null until needed (or after a failure left it uncertain). */
        ChunkSet loaded;

        TrackedChunkSet(Path dir, Instant lastActivity) {
            this.dir = dir;
            this.lastActivity = lastActivity;
        }
    }

    public FileStore(Path filesDir, StoreSettings settings, Clock clock) {
        this.filesDir = filesDir;
        this.settings = settings;
        this.clock = clock;
        this.configValidator = new ConfigFileValidator(settings.maxConfigBytes());
        Duration quarter = settings.staleAfter().dividedBy(4);
        this.scanInterval = quarter.compareTo(MAX_SCAN_INTERVAL) < 0 ? quarter : MAX_SCAN_INTERVAL;
    }

    /** Cleans what an interrupted run left (temporary files); existing chunk sets start their expiry clock now. */
    public void recover() throws IOException {
        Instant now = clock.instant();
        Map<String, Path> found = scan(realFilesDir(), true);
        chunkSets.clear();
        found.forEach((name, dir) -> chunkSets.put(name, new TrackedChunkSet(dir, now)));
        lastScan = now;
    }

    /** A whole file: written to {@code F.tmp} with fsync and validated. */
    public PreparedFile prepareWholeFile(String name, byte[] content) throws RejectedFileException, IOException {
        SafeFileName safeName = SafeFileName.parse(name);
        FileKind kind = kindOf(safeName);
        long limit = limitFor(kind);
        if (content.length > limit) {
            throw new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, describe(kind, safeName) + " has " + content.length
                    + " bytes, more than the limit of " + limit);
        }
        FileLocation location = FileLocation.resolve(realFilesDir(), safeName);
        DurableFiles.write(location.tmp(), content);
        return prepared(location, kind, content.length, false);
    }

    /**
     * Stages chunk {@code index} of {@code total} as {@code F.chunks/index} (fsync'd, idempotent). Returns the
     * assembled, validated file once every chunk is present, else empty.
     */
    public Optional<PreparedFile> stageChunk(String name, int index, int total, byte[] content)
            throws RejectedFileException, IOException {
        SafeFileName safeName = SafeFileName.parse(name);
        if (total < 1 || index < 1 || index > total) {
            throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk " + index + " of " + total + " of " + safeName
                    + " is out of range (chunks are numbered 1.." + total + ")");
        }
        FileKind kind = kindOf(safeName);
        long limit = limitFor(kind);
        if (content.length > limit) {
            // Can never fit; whatever is staged for the file goes, and no directory is created for it.
            Optional<FileLocation> existing = FileLocation.resolveExisting(realFilesDir(), safeName);
            if (existing.isPresent()) {
                discardChunkSet(existing.get());
            }
            throw new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, describe(kind, safeName) + " has a chunk of " + content.length
                    + " bytes, more than the limit of " + limit + " for the whole file; its staged chunks are "
                    + "discarded");
        }
        FileLocation location = FileLocation.resolve(realFilesDir(), safeName);
        TrackedChunkSet tracked = chunkSets.get(safeName.value());
        try {
            ChunkSet set = tracked != null && tracked.loaded != null
                    ? tracked.loaded
                    : ChunkSet.load(location.chunkDir()).orElse(null);
            if (set != null && set.total() != total) {
                throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk " + index + " of " + total + " of " + safeName
                        + " disagrees with the staged chunk set of " + set.total()
                        + " chunks; the staged set is kept until it completes or expires");
            }
            long stagedAfter = set == null ? content.length : set.stagedBytesWith(index, content.length);
            if (stagedAfter > limit) {
                discardChunkSet(location);
                throw new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, describe(kind, safeName) + " would exceed the limit of " + limit
                        + " bytes with chunk " + index + " of " + total + " (" + stagedAfter
                        + " bytes staged); its staged chunks are discarded");
            }
            if (set == null) {
                set = ChunkSet.create(location.chunkDir(), total);
            }
            set.stage(index, content);
            tracked = chunkSets.computeIfAbsent(safeName.value(), key -> new TrackedChunkSet(location.chunkDir(),
                    clock.instant()));
            tracked.loaded = set;
            tracked.lastActivity = clock.instant();
            if (!set.isComplete()) {
                return Optional.empty();
            }
            set.assembleInto(location.tmp());
            return Optional.of(prepared(location, kind, set.stagedBytes(), true));
        } catch (IOException e) {
            TrackedChunkSet uncertain = chunkSets.get(safeName.value());
            if (uncertain != null) {
                uncertain.loaded = null; // the disk is the truth; read it again on the next attempt
            }
            throw e;
        }
    }

    /** Discards chunk sets idle for longer than the stale time; returns the file names whose sets went. */
    public List<String> expireStaleChunkSets() throws IOException {
        Instant now = clock.instant();
        if (lastScan == null || Duration.between(lastScan, now).compareTo(scanInterval) >= 0) {
            Map<String, Path> onDisk = scan(realFilesDir(), false);
            chunkSets.keySet().retainAll(onDisk.keySet());
            onDisk.forEach((name, dir) -> chunkSets.computeIfAbsent(name, key -> new TrackedChunkSet(dir, now)));
            lastScan = now;
        }
        List<String> expired = new ArrayList<>();
        for (Iterator<Map.Entry<String, TrackedChunkSet>> it = chunkSets.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, TrackedChunkSet> entry = it.next();
            if (Duration.between(entry.getValue().lastActivity, now).compareTo(settings.staleAfter()) > 0) {
                ChunkSet.discard(entry.getValue().dir);
                it.remove();
                expired.add(entry.getKey());
            }
        }
        return expired;
    }

    /** Validates a config in {@code F.tmp} and compares the content with {@code F}'s. */
    private PreparedFile prepared(FileLocation location, FileKind kind, long size, boolean chunked)
            throws RejectedFileException, IOException {
        if (kind == FileKind.CONFIG) {
            try {
                configValidator.validate(location.name(), location.tmp());
            } catch (RejectedFileException e) {
                // Deliberately discarded: an invalid config never replaces F; F and F.backup stay as they are.
                Files.deleteIfExists(location.tmp());
                if (chunked) {
                    discardChunkSet(location);
                }
                throw e;
            } catch (IOException e) {
                DurableFiles.deleteQuietly(location.tmp(), e);
                throw e;
            }
        }
        boolean changes;
        try {
            changes = !DurableFiles.sameContent(location.target(), location.tmp());
        } catch (NoSuchFileException e) {
            changes = true; // no current file
        }
        return new Prepared(location, kind, size, changes);
    }

    private void discardChunkSet(FileLocation location) throws IOException {
        ChunkSet.discard(location.chunkDir());
        chunkSets.remove(location.name().value());
    }

    private FileKind kindOf(SafeFileName name) {
        return name.hasSuffix(settings.configSuffixes()) ? FileKind.CONFIG : FileKind.DATA;
    }

    private long limitFor(FileKind kind) {
        return kind == FileKind.CONFIG ? settings.maxConfigBytes() : settings.maxFileBytes();
    }

    private static String describe(FileKind kind, SafeFileName name) {
        return (kind == FileKind.CONFIG ? "config file " : "file ") + name;
    }

    private Path realFilesDir() throws IOException {
        Path real = filesDir.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new IOException("files directory " + filesDir + " is not a directory");
        }
        return real;
    }

    /**
     * Finds the chunk sets under {@code root} by file name; with {@code removeLeftovers}, also deletes every
     * {@code *.tmp} (files, links and abandoned trees), chunk sets included. Never follows a symbolic link
     * and never enters a hidden directory.
     */
    private static Map<String, Path> scan(Path root, boolean removeLeftovers) throws IOException {
        Map<String, Path> found = new HashMap<>();
        String chunksSuffix = ".chunks";
        Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), SafeFileName.MAX_COMPONENTS + 1,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        if (dir.equals(root)) {
                            return FileVisitResult.CONTINUE;
                        }
                        String fileName = dir.getFileName().toString();
                        if (fileName.startsWith(".")) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (fileName.endsWith(".tmp")) {
                            if (removeLeftovers) {
                                DurableFiles.deleteRecursively(dir);
                            }
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (fileName.endsWith(chunksSuffix)) {
                            String relative = root.relativize(dir).toString();
                            found.put(relative.substring(0, relative.length() - chunksSuffix.length()), dir);
                            if (removeLeftovers) {
                                removeTmpEntries(dir);
                            }
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        String fileName = file.getFileName().toString();
                        if (removeLeftovers && fileName.endsWith(".tmp") && !fileName.startsWith(".")) {
                            DurableFiles.deleteRecursively(file);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                        if (failure instanceof AccessDeniedException && !file.equals(root)) {
                            return FileVisitResult.CONTINUE; // someone else's; the store never wrote there
                        }
                        throw failure;
                    }
                });
        return found;
    }

    private static void removeTmpEntries(Path chunkDir) throws IOException {
        try (var entries = Files.newDirectoryStream(chunkDir, "*.tmp")) {
            for (Path entry : entries) {
                DurableFiles.deleteRecursively(entry);
            }
        }
    }

    /** A complete file in {@code F.tmp}, fsync'd and (for a config) validated. */
    private final class Prepared implements PreparedFile {
        private final FileLocation location;
        private final FileKind kind;
        private final long size;
        private final boolean changes;

        Prepared(FileLocation location, FileKind kind, long size, boolean changes) {
            this.location = location;
            this.kind = kind;
            this.size = size;
            this.changes = changes;
        }

        @Override
        public String name() {
            return location.name().value();
        }

        @Override
        public FileKind kind() {
            return kind;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public boolean changesCurrentFile() {
            return changes;
        }

        @Override
        public PublishOutcome publish() throws IOException {
            if (!changes) {
                Files.deleteIfExists(location.tmp());
                discardChunkSet(location);
                return PublishOutcome.UNCHANGED;
            }
            if (Files.exists(location.target(), LinkOption.NOFOLLOW_LINKS)) {
                keepBackup();
            }
            Files.move(location.tmp(), location.target(), StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(location.dir());
            discardChunkSet(location);
            return PublishOutcome.PUBLISHED;
        }

        /**
         * Makes F.backup hold F's current content without ever removing F: a hard link (or, where links are
         * refused, a copy) under a temporary name, renamed over F.backup.
         */
        private void keepBackup() throws IOException {
            Path backupTmp = location.backupTmp();
            Files.deleteIfExists(backupTmp);
            try {
                Files.createLink(backupTmp, location.target());
            } catch (UnsupportedOperationException | FileSystemException e) {
                DurableFiles.copy(location.target(), backupTmp);
            }
            Files.move(backupTmp, location.backup(), StandardCopyOption.ATOMIC_MOVE);
            // rename(2) does nothing when both names already link the same file; drop the spare name.
            Files.deleteIfExists(backupTmp);
        }
    }
}
