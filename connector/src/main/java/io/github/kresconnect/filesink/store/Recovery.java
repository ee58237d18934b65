package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * Opening a store after a stop or a crash, the last step of the recovery argument ({@link StoreState}): replay,
 * roll forward, roll back, and a fresh journal that holds exactly the recovered state.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    /** The new journal, and whether any file was put in place (so the owed request is armed). */
    record Result(Journal journal, boolean placed) {
    }

    private final Path realFilesDir;
    private final StoreState state;
    private final WorkFiles work;
    private final Placement placement;
    private final SyncPool syncPool;
    private final Assembly assembly;
    private final Clock clock;

    Recovery(Path realFilesDir, StoreState state, WorkFiles work, Placement placement, SyncPool syncPool,
            Assembly assembly, Clock clock) {
        this.realFilesDir = realFilesDir;
        this.state = state;
        this.work = work;
        this.placement = placement;
        this.syncPool = syncPool;
        this.assembly = assembly;
        this.clock = clock;
    }

    /**
     * Replays the journal into the state, carries out the publications still pending (roll forward), reopens the
     * transfers in progress, removes every work file the state does not name (roll back), and rewrites the journal
     * as a snapshot of the result before anything else may change.
     */
    Result run(Path journalFile) throws IOException {
        for (List<JournalOp> entry : Journal.read(journalFile)) {
            entry.forEach(state::apply);
        }
        List<Path> dropped = new ArrayList<>();
        boolean placedAny = rollForward(dropped);
        for (TransferState held : state.transfers()) {
            assembly.reopen(held, clock.instant());
        }
        rollBack(new HashSet<>(assembly.heldFiles()));
        Journal journal = Journal.create(journalFile, state.snapshot());
        for (Path path : dropped) {
            Files.deleteIfExists(path); // its drop is in the snapshot now
        }
        List<String> resumed = new ArrayList<>();
        state.transfers().forEach(held -> resumed.add(SafeFileName.quote(held.name)));
        if (!resumed.isEmpty()) {
            log.info("Resumed {} incomplete transfer(s) from before the last stop: {}", resumed.size(), resumed);
        }
        return new Result(journal, placedAny);
    }

    /**
     * Carries out the committed publications still pending: for each name, the newest one is put in place (its work
     * file there) or found in place (gone: it was placed before the stop); the older ones of the same name are
     * superseded by it and never put back over it, even for a moment. A publication that can never be placed is
     * dropped, and the next older one takes its turn. Returns whether any file was placed now or since the last
     * journaled outcome (so the owed request is armed).
     */
    private boolean rollForward(List<Path> dropped) throws IOException {
        Set<Path> directories = new LinkedHashSet<>();
        List<JournalOp> outcomes = new ArrayList<>();
        Map<String, List<StoreState.Pending>> byName = new LinkedHashMap<>();
        for (StoreState.Pending publication : state.pending()) {
            byName.computeIfAbsent(publication.name(), key -> new ArrayList<>()).add(publication);
        }
        for (List<StoreState.Pending> publications : byName.values()) {
            boolean placed = false;
            for (int i = publications.size() - 1; i >= 0; i--) {
                StoreState.Pending publication = publications.get(i);
                if (placed) {
                    outcomes.add(0, new JournalOp.Placed(publication.name(), publication.seq(), null)); // superseded
                    continue;
                }
                StoreState.Pending before = i > 0 ? publications.get(i - 1) : null;
                JournalOp outcome = rollForward(publication, before, directories, dropped);
                if (outcome instanceof JournalOp.Placed) {
                    placed = true;
                }
                outcomes.add(outcome);
            }
        }
        syncPool.syncAll(directories);
        outcomes.forEach(state::apply);
        return outcomes.stream().anyMatch(JournalOp.Placed.class::isInstance);
    }

    /**
     * Places one publication; {@code before}, the version committed right before it, becomes its backup when that
     * one's work file is still there (it never reached the final path for good), so the backup stays the previous
     * version without the final path ever holding it again.
     */
    private JournalOp rollForward(StoreState.Pending publication, StoreState.Pending before,
            Set<Path> directories, List<Path> dropped) throws IOException {
        SafeFileName name;
        try {
            name = SafeFileName.parse(publication.name());
        } catch (RejectedFileException e) {
            return new JournalOp.Dropped(publication.name(), publication.seq());
        }
        Path data = work.data(publication.seq());
        if (!Files.exists(data, LinkOption.NOFOLLOW_LINKS)) {
            return new JournalOp.Placed(publication.name(), publication.seq(),
                    identityIfSame(name, publication).orElse(null));
        }
        try {
            Long backup = before != null && Files.exists(work.data(before.seq()), LinkOption.NOFOLLOW_LINKS)
                    ? before.seq() : null;
            Placement.Placed done = placement.place(name, publication.seq(), null, null, backup);
            directories.add(done.location().dir());
            log.info("Finished publishing {} ({} bytes), interrupted before the last stop", name, publication.size());
            return new JournalOp.Placed(publication.name(), publication.seq(), done.identity());
        } catch (RejectedFileException e) {
            log.error("Could not finish publishing {} after a restart: {}", name, e.getMessage());
            dropped.add(data);
            return new JournalOp.Dropped(publication.name(), publication.seq());
        }
    }

    /** The identity of the file at {@code name} when it holds exactly the publication's bytes. */
    private Optional<String> identityIfSame(SafeFileName name, StoreState.Pending publication)
            throws IOException {
        Optional<FileLocation> location;
        try {
            location = FileLocation.resolveExisting(realFilesDir, name);
        } catch (RejectedFileException e) {
            return Optional.empty();
        }
        if (location.isEmpty()) {
            return Optional.empty();
        }
        Path target = location.get().target();
        Optional<String> before = Placement.identity(target);
        if (before.isEmpty() || Files.size(target) != publication.size()
                || !sha256Hex(target).equals(publication.sha256())) {
            return Optional.empty();
        }
        return before.equals(Placement.identity(target)) ? before : Optional.empty();
    }

    private static String sha256Hex(Path file) throws IOException {
        MessageDigest digest = TransferIntegrity.newSha256();
        try (FileChannel in = DurableFiles.openForReading(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(DurableFiles.BUFFER_BYTES);
            while (in.read(buffer) > 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Removes every work file no transfer in progress holds. */
    private void rollBack(Set<Path> keep) throws IOException {
        boolean removed = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(work.dir())) {
            for (Path entry : entries) {
                if (!keep.contains(entry)) {
                    DurableFiles.deleteRecursively(entry);
                    removed = true;
                }
            }
        }
        if (removed) {
            DurableFiles.syncDirectory(work.dir());
        }
    }
}
