package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rounds of group commit, one at a time on the store's commit thread, while the task's thread goes on
 * applying records: wait for the round's small files from the writer, write the owed reload or renew and sync it
 * with what the round's operations wrote (one wait for both), append the operations as one journal entry (the
 * commit point), apply them to the committed state, put completed files in place and sync their directories, arm
 * the manager request, remove what the round made garbage, and compact the journal into a snapshot of the
 * committed state when it has grown.
 */
final class CommitPipeline {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    private static final Logger timeline = LoggerFactory.getLogger(FileStore.TIMELINE_LOGGER);
    static final long COMPACT_AFTER_BYTES = 8L * 1024 * 1024;

    /** What one round commits, taken from the task's side in one step. */
    record Work(List<JournalOp> ops, Set<Path> written, boolean workDirChanged,
            List<NextRound.Publication> publications, List<Path> garbage) {
    }

    /** What a round did: what it published and failed to, and the outcomes for the live state to journal. */
    record Result(List<FileStore.Publication> published, List<FileStore.FailedPublication> failed,
            List<JournalOp> outcomes, List<Path> dropped) {
    }

    private final StoreState committed;
    private final Placement placement;
    private final WorkFiles work;
    private final SyncPool syncPool;
    private final Supplier<FileStore.Listener> listener;
    private final FileStore.StepHook hook;
    private Journal journal;
    /**
     * The journal is compacted once it is over this size and over twice its size when last written whole (a
     * snapshot of a store with many files may itself pass the fixed size: then every round would rewrite all
     * of it). Tests set a fixed size to reach that step ({@link #compactAfter}).
     */
    private long compactAfterBytes = COMPACT_AFTER_BYTES;
    private boolean relativeToSnapshot = true;
    /** The journal's size when it was last written whole: at opening, or by the last compaction. */
    private long snapshotBytes;
    private volatile Map<SourcePartition, Long> durableOffsets;
    private final ExecutorService thread;
    private Future<Result> running;
    private java.time.Duration closeTimeout = java.time.Duration.ofMinutes(1);

    CommitPipeline(StoreState committed, Journal journal, Placement placement, WorkFiles work, SyncPool syncPool,
            Supplier<FileStore.Listener> listener, FileStore.StepHook hook) {
        this.committed = committed;
        this.journal = journal;
        this.snapshotBytes = journal.size(); // opening rewrote it as a snapshot
        this.placement = placement;
        this.work = work;
        this.syncPool = syncPool;
        this.listener = listener;
        this.hook = hook;
        this.durableOffsets = committed.offsets();
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.named("resolver-file-sink-commit"));
    }

    /** The next offset of every partition as the journal has it. */
    Map<SourcePartition, Long> durableOffsets() {
        return durableOffsets;
    }

    void submit(Work round) {
        running = thread.submit(() -> round(round));
    }

    boolean isRunning() {
        Future<Result> round = running;
        return round != null && !round.isDone();
    }

    boolean isDone() {
        Future<Result> round = running;
        return round != null && round.isDone();
    }

    /** Waits for the round in progress; null when there is none. Its failure (the environment's) is thrown here. */
    Result await() throws IOException {
        Future<Result> round = running;
        if (round == null) {
            return null;
        }
        running = null;
        return Futures.get(round, "a commit");
    }

    private Result round(Work round) throws IOException {
        long started = System.nanoTime();
        hook.reached("round:start");
        Set<Path> toSync = new LinkedHashSet<>(round.written());
        for (NextRound.Publication publication : round.publications()) {
            if (publication.written() != null) {
                WorkWriter.await(publication.written());
                toSync.add(work.data(publication.seq()));
            }
        }
        // the owed reload or renew, written now and made durable with the data below where it can be
        Map<FileKind, List<FileStore.Publication>> kinds = new EnumMap<>(FileKind.class);
        round.publications().forEach(publication -> kinds.computeIfAbsent(publication.kind(), k -> new ArrayList<>())
                .add(publication(publication)));
        Set<Path> requests = new LinkedHashSet<>();
        for (Map.Entry<FileKind, List<FileStore.Publication>> kind : kinds.entrySet()) {
            listener.get().beforePublishing(kind.getKey(), kind.getValue(), requests::add);
        }
        // the work files, and with them the new work files' names, and the request's file
        long written = System.nanoTime();
        syncPool.syncCreatedIn(work.dir(), toSync, round.workDirChanged(), requests);
        long synced = System.nanoTime();
        hook.reached("round:data-synced");
        journal.append(round.ops());
        round.ops().forEach(committed::apply);
        durableOffsets = committed.offsets();
        long journaled = System.nanoTime();
        hook.reached("round:journal-committed");

        Result result = place(round.publications());
        if (timeline.isDebugEnabled()) {
            timeline.debug(String.format(Locale.ROOT, "Round of %d files, %d operations: %.1f ms awaiting their "
                    + "writes, %.1f ms syncing the data, %.1f ms appending the journal, %.1f ms placing the files",
                    round.publications().size(), round.ops().size(), millis(written - started),
                    millis(synced - written), millis(journaled - synced), millis(System.nanoTime() - journaled)));
        }
        result.outcomes().forEach(committed::apply);
        if (!result.published().isEmpty()) {
            listener.get().afterPublishing();
            hook.reached("round:armed");
        }
        for (Path path : round.garbage()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                log.debug("Could not remove {} ({}); the next start removes it", path, e.toString());
            }
        }
        if (journal.size() > compactAfterBytes && (!relativeToSnapshot || journal.size() > 2 * snapshotBytes)) {
            compact();
        }
        return result;
    }

    /** Renames committed files into place, backup first, then syncs their directories. */
    private Result place(List<NextRound.Publication> toPlace) throws IOException {
        List<FileStore.Publication> published = new ArrayList<>();
        List<FileStore.FailedPublication> failed = new ArrayList<>();
        List<JournalOp> outcomes = new ArrayList<>();
        List<Path> dropped = new ArrayList<>();
        Set<Path> directories = new LinkedHashSet<>();
        List<JournalOp.Placed> placed = new ArrayList<>();
        for (NextRound.Publication publication : toPlace) {
            try {
                Placement.WorkFile written = publication.written() == null ? null
                        : WorkWriter.await(publication.written()); // written before the round synced
                Placement.Placed done = placement.place(publication.name(), publication.seq(),
                        publication.location(), written);
                directories.add(done.location().dir());
                placed.add(new JournalOp.Placed(publication.name().value(), publication.seq(), done.identity()));
                published.add(publication(publication));
            } catch (RejectedFileException e) {
                log.error("Could not put {} in place, and never will as things stand: {}; the file in place is "
                        + "unchanged", publication.name(), e.getMessage());
                outcomes.add(new JournalOp.Dropped(publication.name().value(), publication.seq()));
                dropped.add(work.data(publication.seq())); // removed once the drop is journaled
                failed.add(new FileStore.FailedPublication(publication.name().value(), publication.source(), e));
            }
        }
        // A rename is durable once its directory is: only then does the round report the file, or arm the
        // manager, and only then may the work directory lose the file's work name for good.
        syncPool.syncAll(directories);
        outcomes.addAll(placed);
        hook.reached("round:placed");
        return new Result(published, failed, outcomes, dropped);
    }

    /** Rewrites the journal as a snapshot of the committed state. */
    private void compact() throws IOException {
        hook.reached("compaction:start");
        Journal old = journal;
        journal = Journal.create(old.path(), committed.snapshot());
        snapshotBytes = journal.size();
        old.close();
        hook.reached("compaction:done");
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static FileStore.Publication publication(NextRound.Publication publication) {
        return new FileStore.Publication(publication.name().value(), publication.kind(), publication.size(),
                publication.sha256(), publication.source());
    }

    /** Tests compact small journals to reach that step: once over {@code bytes}, whatever the snapshot's size. */
    void compactAfter(long bytes) {
        this.compactAfterBytes = bytes;
        this.relativeToSnapshot = false;
    }

    /** Tests lower the fixed size and keep the rule relative to the snapshot. */
    void compactAfterAtLeast(long bytes) {
        this.compactAfterBytes = bytes;
        this.relativeToSnapshot = true;
    }

    /** How long {@link #close} waits for the round in progress; tests shorten it. */
    void closeTimeout(java.time.Duration timeout) {
        this.closeTimeout = timeout;
    }

    /**
     * Lets the commit thread finish the round it runs, then runs {@code last} on it (closing the journal and
     * releasing the store's lock): nothing is released while a round may still rename. Waits up to a minute.
     */
    void close(Runnable last) {
        thread.execute(() -> {
            try {
                journal.close();
            } catch (IOException e) {
                log.debug("Closing the journal failed: {}", e.toString());
            }
            last.run();
        });
        thread.shutdown();
        try {
            if (!thread.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("A commit of the file store did not end within {} ms; the files directory stays locked "
                        + "until it does", closeTimeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
