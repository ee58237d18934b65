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
import java.util.LinkedHashSet;
import java.util.List;
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
     * Carries out every committed publication that is still pending: its work file there, it is put in place;
     * gone, it was put in place before the stop. Returns whether any file was placed now or since the last
     * journaled outcome (so the owed request is armed).
     */
    private boolean rollForward(List<Path> dropped) throws IOException {
        Set<Path> directories = new LinkedHashSet<>();
        List<JournalOp> outcomes = new ArrayList<>();
        for (StoreState.Pending publication : state.pending()) {
            SafeFileName name;
            try {
                name = SafeFileName.parse(publication.name());
            } catch (RejectedFileException e) {
                outcomes.add(new JournalOp.Dropped(publication.name(), publication.seq()));
                continue;
            }
            Path data = work.data(publication.seq());
            if (!Files.exists(data, LinkOption.NOFOLLOW_LINKS)) {
                outcomes.add(new JournalOp.Placed(publication.name(), publication.seq(),
                        identityIfSame(name, publication).orElse(null)));
                continue;
            }
            try {
                FileLocation location = placement.place(name, publication.seq(), null);
                directories.add(location.dir());
                outcomes.add(new JournalOp.Placed(publication.name(), publication.seq(),
                        Placement.identity(location.target()).orElse(null)));
                log.info("Finished publishing {} ({} bytes), interrupted before the last stop", name,
                        publication.size());
            } catch (RejectedFileException e) {
                log.error("Could not finish publishing {} after a restart: {}", name, e.getMessage());
                outcomes.add(new JournalOp.Dropped(publication.name(), publication.seq()));
                dropped.add(data);
            }
        }
        syncPool.syncAll(directories);
        outcomes.forEach(state::apply);
        return outcomes.stream().anyMatch(JournalOp.Placed.class::isInstance);
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
