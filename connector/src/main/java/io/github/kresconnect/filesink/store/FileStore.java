package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.record.FilePart;

/**
 * The files directory, written exactly once per record, with durability by group commit. Knows nothing of
 * Kafka Connect.
 *
 * <p>On disk, everything the store needs besides the files it delivers lives in
 * {@code D/.resolver-file-sink/store/}, on the files directory's own file system so that the final rename is
 * atomic: {@code lock} ({@link StoreLock}), {@code journal} ({@link Journal}) and {@code work/} ({@link WorkFiles}).
 * Delivered files are {@code D/F} and their previous version {@code D/F.backup}. Nothing else in {@code D} is ever
 * created, changed or removed.
 *
 * <p>The parts: {@link StoreState}, the state machine, where the recovery argument is written; {@link Assembly},
 * which turns records into operations and work files under {@link TransferRules}; {@link CommitPipeline}, the
 * rounds of group commit; {@link Placement}, the final renames with backups. This class ties them together: every
 * change goes through {@link #emit}, which applies an operation to the live state and queues it for the next
 * round; opening replays the journal through the same function.
 *
 * <p>Failures: a {@link RejectedFileException} belongs to one record, which can never succeed; the files in
 * place stay as they are. An {@link IOException} is the environment ({@link HostConditionException}: the host's
 * clock): the caller abandons this store ({@link #close()}) and opens a new one, which recovers as after a crash.
 * A {@link StoreDamagedException} from {@link #open} means committed data was lost. Used from one thread; a
 * round's failure is thrown by the next call that waits for it.
 */
public final class FileStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    /**
     * The logger of the delivery's timeline: at DEBUG, a line for each batch of records the task is given and for
     * each round of group commit with the time its steps took (a few lines a round, never one per file).
     */
    public static final String TIMELINE_LOGGER = "io.github.kresconnect.filesink.timeline";

    /** The connector's own directory inside the files directory: hidden, so never a delivered name. */
    public static final String STATE_DIR = ".resolver-file-sink";
    static final String STORE_DIR = "store";
    static final String WORK_DIR = "work";
    static final String JOURNAL = "journal";
    static final String LOCK = "lock";
    /** The version of a transfer or file that was not signed. */
    public static final long UNVERSIONED = StoreState.UNVERSIONED;
    /** While a round runs, the next one gathers up to this many operations before {@link #groupCommit()} waits. */
    static final int ROUND_MAX_OPS = 4096;
    /** ... or this many bytes of small whole files, held in memory until the store's writer thread writes them. */
    static final long ROUND_MAX_HELD_BYTES = 8L * 1024 * 1024;

    /** Told about publications around the commit point, and about discarded transfers. */
    public interface Listener {
        /** A file of this kind will replace another; the request must be durable when this returns. */
        default void beforePublishing(FileKind kind) throws IOException {
        }

        /**
         * As {@link #beforePublishing(FileKind)}, with the files of that kind the round publishes; called instead
         * of it, once per kind.
         */
        default void beforePublishing(FileKind kind, List<Publication> files) throws IOException {
            beforePublishing(kind);
        }

        /**
         * As {@link #beforePublishing(FileKind, List)}, called instead of it, by a round before it syncs its own
         * data: a write the request can leave unsynced it hands to {@code syncWithRound}, and the round makes that
         * file durable together with its data, before its commit point (one wait for both).
         */
        default void beforePublishing(FileKind kind, List<Publication> files, Consumer<Path> syncWithRound)
                throws IOException {
            beforePublishing(kind, files);
        }

        /**
         * The receipt of a publication the coming round commits, or null for none: journaled in the round's
         * entry, so it survives a crash with the publication; handed back in {@link Round#receipts()} once the
         * file is in place. Called on the caller's thread when the round starts.
         */
        default ReceiptContent receiptOf(Publication publication) {
            return null;
        }

        /** Files are in place and their directories synced: the owed request may be sent. */
        default void afterPublishing() {
        }

    }

    /** Called at every step boundary with the step's name; a test throws from it to simulate a crash. */
    @FunctionalInterface
    public interface StepHook {
        StepHook NONE = step -> {
        };

        void reached(String step);
    }

    /** What applying one record did. */
    public enum Applied {
        /** The chunk is held; the file is not complete yet. */
        STAGED,
        /** The chunk was already held with the same bytes: nothing changed. */
        DUPLICATE,
        /** The file is complete and will be published by the next round. */
        COMPLETED,
        /** The file is complete and equals the file in place: nothing will change. */
        UNCHANGED,
        /** The file is complete but its chunks may come from two transfers: not published (see the log). */
        WAITING,
        /** A chunk of an older transfer than the one held, delivered late: set aside (see the log). */
        SUPERSEDED
    }

    /** A file that a round put in place. */
    public record Publication(String name, FileKind kind, long size, String sha256, Object source) {
    }

    /** A completed file that a round could not put in place: its path can never be written. */
    public record FailedPublication(String name, Object source, RejectedFileException reason) {
    }

    /**
     * What a round did; {@code receipts} are the kept receipts of the files it put in place (see
     * {@link Listener#receiptOf}), to be sent now.
     */
    public record Round(boolean committed, List<Publication> published, List<FailedPublication> failed,
            List<KeptReceipt> receipts) {
        static final Round NOTHING = new Round(false, List.of(), List.of(), List.of());
    }

    /** A transfer in progress dropped without being published, and why. */
    public record Discarded(String name, String reason) {
    }

    /**
     * A receipt's key and value, opaque to the store. Handed over: the store keeps the arrays as they are (no copy
     * per published file), so whoever makes them must not touch them again.
     */
    public record ReceiptContent(byte[] key, byte[] value) {
    }

    private final Path realFilesDir;
    private final Path journalFile;
    private final StoreLock lock;
    private final WorkFiles work;
    private final Clock clock;
    private final StepHook hook;
    private final StoreState state;
    private final SyncPool syncPool;
    private final Placement placement;
    private final WorkWriter writer;
    private final Hasher hasher = new Hasher();
    private final Assembly assembly;
    private CommitPipeline pipeline;
    private volatile Listener listener;
    private NextRound next = new NextRound();
    /** Partitions whose offsets were applied since the last round. */
    private final Set<SourcePartition> advanced = new LinkedHashSet<>();
    private final List<CommitPipeline.Result> toReport = new ArrayList<>();
    private final List<KeptReceipt> receiptsToReport = new ArrayList<>();
    private boolean closed;

    private FileStore(Path realFilesDir, StoreLock lock, StoreSettings settings, Clock clock, StepHook hook,
            Listener listener) {
        Path storeDir = realFilesDir.resolve(STATE_DIR).resolve(STORE_DIR);
        this.realFilesDir = realFilesDir;
        this.syncPool = new SyncPool(Barrier.forDirectory(realFilesDir));
        this.journalFile = storeDir.resolve(JOURNAL);
        this.lock = lock;
        this.work = new WorkFiles(storeDir.resolve(WORK_DIR));
        this.clock = clock;
        this.hook = hook;
        this.state = new StoreState();
        this.listener = listener;
        this.placement = new Placement(realFilesDir, work, settings, hook);
        this.writer = new WorkWriter(placement);
        this.assembly = new Assembly(state, this::emit, () -> next, work, placement, syncPool, writer, hasher,
                settings, clock, hook, this::settle);
    }

    /**
     * Opens the store of {@code filesDir}: takes its lock, replays the journal, finishes the publications a crash
     * interrupted, removes what no journal entry covers, and tells {@code listener} when it put files in place.
     *
     * @throws StoreLockedException when another task or worker uses the same files directory
     * @throws StoreDamagedException when the journal lost committed data
     * @throws IOException          when the files directory cannot be used (missing, unwritable, I/O error)
     */
    public static FileStore open(Path filesDir, StoreSettings settings, Clock clock, StepHook hook, Listener listener)
            throws IOException, StoreLockedException {
        Path real = filesDir.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new IOException("files directory " + filesDir + " is not a directory");
        }
        if (!Files.isWritable(real)) {
            throw new IOException("files directory " + filesDir + " is not writable by this worker's user");
        }
        Path storeDir = createDirectory(createDirectory(real, STATE_DIR), STORE_DIR);
        createDirectory(storeDir, WORK_DIR);
        StoreLock lock = StoreLock.acquire(storeDir.resolve(LOCK), filesDir);
        FileStore store = null;
        try {
            store = new FileStore(real, lock, settings, clock, hook, listener);
            store.recover();
            return store;
        } catch (IOException | RuntimeException e) {
            if (store != null) {
                store.close();
            } else {
                lock.close();
            }
            throw e;
        }
    }

    /** As {@link #open(Path, StoreSettings, Clock, StepHook, Listener)}, telling nobody (see {@link #setListener}). */
    public static FileStore open(Path filesDir, StoreSettings settings, Clock clock, StepHook hook)
            throws IOException, StoreLockedException {
        return open(filesDir, settings, clock, hook, new Listener() {
        });
    }

    /** Where publications are announced from now on. */
    public void setListener(Listener listener) {
        this.listener = listener;
    }

    /** Applies one operation to the live state and queues it for the next round: the only way state changes. */
    private void emit(JournalOp op) {
        state.apply(op);
        next.ops.add(op);
        next.changes = true;
    }

    // ---------------------------------------------------------------- offsets

    /** True when the record at {@code offset} was applied already (a redelivery). */
    public boolean isApplied(SourcePartition partition, long offset) {
        Long applied = state.offset(partition);
        return applied != null && offset < applied;
    }

    /** The record at {@code offset} is done (applied, skipped or rejected); durable with the next round. */
    public void markApplied(SourcePartition partition, long offset) {
        Long applied = state.offset(partition);
        if (applied == null || offset + 1 > applied) {
            state.apply(new JournalOp.Offset(partition.topic(), partition.partition(), offset + 1));
            advanced.add(partition);
        }
    }

    /**
     * Forgets what was applied of a partition whose log no longer holds it (the topic was deleted and created
     * again, or truncated): its records are applied from wherever Kafka delivers them now, and its committed
     * offset no longer counts, here or after a restart.
     */
    public void forgetOffset(SourcePartition partition) {
        emit(new JournalOp.ForgetOffset(partition.topic(), partition.partition()));
        advanced.remove(partition);
    }

    // ---------------------------------------------------------------- freshness statements

    /** The newest freshness statement accepted: its sequence, issue time and expiry. */
    public record StatementSeen(long sequence, long issuedAt, long expiresAt) {
    }

    /**
     * Takes in a verified freshness statement newer than the last: its versions become minimums (no signed version
     * below them is accepted) and it becomes the newest statement; durable with the next round, with the offset
     * of its record.
     */
    public void acceptStatement(StatementSeen statement, Map<String, Long> versions) {
        versions.forEach((name, version) -> {
            if (version > state.minimum(name)) {
                emit(new JournalOp.Minimum(name, version));
            }
        });
        emit(new JournalOp.Statement(statement.sequence(), statement.issuedAt(), statement.expiresAt()));
    }

    /** The newest freshness statement accepted (live state), if any. */
    public java.util.Optional<StatementSeen> statement() {
        JournalOp.Statement seen = state.statement();
        return seen == null ? java.util.Optional.empty()
                : java.util.Optional.of(new StatementSeen(seen.sequence(), seen.issuedAt(), seen.expiresAt()));
    }

    /** The versions freshness statements named, by file name. */
    public Map<String, Long> statedMinimums() {
        return state.minimums();
    }

    /** The newest signed version of {@code name} in place or about to be; -1 when none. */
    public long heldVersion(String name) {
        return state.floor(name);
    }

    /**
     * The next offset of every partition whose records are durable up to it. A committed offset above the one
     * applied now belongs to a log that was forgotten since: it does not count until a round commits the new one.
     */
    public Map<SourcePartition, Long> durableOffsets() {
        Map<SourcePartition, Long> durable = new LinkedHashMap<>();
        pipeline.durableOffsets().forEach((partition, next) -> {
            Long applied = state.offset(partition);
            if (applied != null && next <= applied) {
                durable.put(partition, next);
            }
        });
        return durable;
    }

    public OptionalLong durableOffset(SourcePartition partition) {
        Long next = durableOffsets().get(partition);
        return next == null ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /** Something applied is not durable yet. */
    public boolean hasUncommitted() {
        return !next.isEmpty() || !advanced.isEmpty();
    }

    public boolean hasPendingPublications() {
        return !next.publications.isEmpty();
    }

    // ---------------------------------------------------------------- revocation

    /**
     * Applies a verified revocation list of that signed version: its keys are revoked from now on, and each named
     * file's version floor (and the version of the file in place) is lowered to the version given when higher.
     * Journaled with the next round, the one that commits the record's offset.
     *
     * @return false, changing nothing, when the list is not newer than the one applied
     */
    public boolean applyRevocation(long version, Set<String> keyIds, Map<String, Long> floorResets) {
        if (version <= state.revocation().version()) {
            return false;
        }
        emit(new JournalOp.Revocation(version, keyIds.stream().sorted().toList()));
        floorResets.forEach((name, floor) -> emit(new JournalOp.ResetFloor(name, floor)));
        return true;
    }

    /** The version of the revocation list applied, {@link #UNVERSIONED} for none. */
    public long revocationVersion() {
        return state.revocation().version();
    }

    /** The keys the revocation list applied revokes. */
    public Set<String> revokedKeys() {
        return Set.copyOf(state.revocation().keyIds());
    }

    // ---------------------------------------------------------------- receipts

    /**
     * Keeps a receipt of what the record being handled did: journaled with the next round, the one that commits
     * the record's offset, and kept (across crashes) until {@link #acknowledge acknowledged}. Null when it is over
     * {@link JournalOp#MAX_RECEIPT_BYTES}: such a receipt is not kept (the journal could not read it back).
     */
    public KeptReceipt keepReceipt(byte[] key, byte[] value) {
        if (key.length > JournalOp.MAX_RECEIPT_BYTES || value.length > JournalOp.MAX_RECEIPT_BYTES) {
            log.warn("A receipt of {} bytes is over the limit of {} that the store keeps; it is sent once, not kept "
                    + "across a crash", key.length + value.length, JournalOp.MAX_RECEIPT_BYTES);
            return null;
        }
        long id = state.nextSeq();
        emit(new JournalOp.Receipt(id, 0, key.clone(), value.clone()));
        return state.receipt(id);
    }

    /**
     * Forgets a kept receipt (it was delivered, or given up): it is not returned again. Journaled by the next
     * round, without being a reason for one. A receipt another opening of the store kept is ignored.
     */
    public void acknowledge(KeptReceipt receipt) {
        if (receipt == null || state.receipt(receipt.id) != receipt) {
            return;
        }
        state.apply(new JournalOp.ReceiptDone(receipt.id));
        next.ops.add(new JournalOp.ReceiptDone(receipt.id));
    }

    /**
     * The receipts kept and not acknowledged, oldest first: after {@link #open}, those an earlier run kept and
     * did not see acknowledged (its publications' receipts included, once their files are in place).
     */
    public List<KeptReceipt> keptReceipts() {
        return state.receipts();
    }

    // ---------------------------------------------------------------- applying records

    /** Applies one unsigned file part; see {@link #apply(FilePart, long, Object)}. */
    public Applied apply(FilePart part, Object source) throws RejectedFileException, IOException {
        return apply(part, UNVERSIONED, source);
    }

    /**
     * Applies one file part of a transfer of signed {@code version} (or {@link #UNVERSIONED}). Chunks in order go
     * straight into the next version of the file; a chunk out of order is held apart until the chunks before it
     * are in. A completed file is checked (length and digest when the transfer announced them, a configuration
     * file validated, its version, compared with the file in place) and published by the next {@link #commit()}.
     * A version older than the newest one in place is refused as a replay; nothing held is touched by a refused
     * record.
     */
    public Applied apply(FilePart part, long version, Object source) throws RejectedFileException, IOException {
        return assembly.apply(part, version, source);
    }

    /** Drops transfers idle for longer than the stale time (time while stopped does not count). */
    public List<String> expireStale() {
        return assembly.expireStale();
    }

    /**
     * The transfers dropped since the last call, each with its reason: by the record just applied (a new transfer
     * of the same file began, or the record was rejected with its transfer), or by {@link #expireStale()}.
     */
    public List<Discarded> takeDiscarded() {
        return assembly.takeDiscarded();
    }

    // ---------------------------------------------------------------- rounds

    /**
     * Makes everything applied so far durable in one round of fsyncs, commits it with the offsets in one
     * journal entry, puts completed files in place, and waits for all of it. Returns what this round and the
     * rounds started with {@link #commitAsync()} since the last report published.
     */
    public Round commit() throws IOException {
        settle();
        return report();
    }

    /**
     * Group commit, as the task asks for rounds: starts one as {@link #commitAsync()} does when none is running;
     * while one runs, returns at once, and what is applied until it ends goes into the next round together (one
     * round of syncs for all of it). Waits for the running round once {@link #ROUND_MAX_OPS} operations or
     * {@link #ROUND_MAX_HELD_BYTES} of small files held in memory are gathered, so that a backlog still commits in
     * bounded steps and the heap does not grow with it. Call it again (the task polls again soon while
     * {@link #isCommitting()}) to start the next round once this one is done. First hands the small files applied
     * since the last call to the store's writer, so they are written while the running round goes on.
     */
    public void groupCommit() throws IOException {
        writer.flush();
        if (pipeline.isRunning() && next.ops.size() < ROUND_MAX_OPS && next.inlineBytes < ROUND_MAX_HELD_BYTES) {
            return;
        }
        commitAsync();
    }

    /**
     * Starts a round on the commit thread and returns: the task's thread goes on applying records meanwhile. At
     * most one round runs at a time, so this first waits for the previous one (and throws its failure).
     */
    public void commitAsync() throws IOException {
        absorb(pipeline.await());
        if (!hasUncommitted()) {
            return;
        }
        for (NextRound.Publication publication : next.publications) {
            ReceiptContent content = listener.receiptOf(new Publication(publication.name().value(),
                    publication.kind(), publication.size(), publication.sha256(), publication.source()));
            if (content != null && content.key().length <= JournalOp.MAX_RECEIPT_BYTES
                    && content.value().length <= JournalOp.MAX_RECEIPT_BYTES) {
                emit(new JournalOp.Receipt(state.nextSeq(), publication.seq(), content.key(), content.value()));
            }
        }
        for (SourcePartition partition : advanced) {
            next.ops.add(new JournalOp.Offset(partition.topic(), partition.partition(), state.offset(partition)));
        }
        advanced.clear();
        NextRound round = next;
        next = new NextRound();
        writer.flush(); // before the round, which waits for its small files' writes
        pipeline.submit(new CommitPipeline.Work(List.copyOf(round.ops), Set.copyOf(round.written),
                round.workDirChanged, List.copyOf(round.publications), List.copyOf(round.garbage)));
    }

    /** Commits what is applied and waits for it; what the rounds did is reported by the next drain. */
    private void settle() throws IOException {
        absorb(pipeline.await());
        if (!next.ops.isEmpty()) {
            next.changes = true; // acknowledgements and identities are not a reason for commitAsync's round
        }
        commitAsync();
        absorb(pipeline.await());
    }

    /** True while a round runs on the commit thread. */
    public boolean isCommitting() {
        return pipeline.isRunning();
    }

    /** True when a round has ended whose outcome {@link #drainRounds()} has not reported yet. */
    public boolean hasUnreported() {
        return pipeline.isDone() || !toReport.isEmpty();
    }

    /** What finished rounds published since the last call; does not wait for a round in progress. */
    public Round drainRounds() throws IOException {
        if (pipeline.isDone()) {
            absorb(pipeline.await());
        }
        return report();
    }

    /** Brings a finished round's outcomes into the live state; they are journaled by the next round. */
    private void absorb(CommitPipeline.Result result) {
        if (result == null) {
            return;
        }
        for (JournalOp outcome : result.outcomes()) {
            state.apply(outcome);
            next.ops.add(outcome); // not a reason for a round of its own
            if (outcome instanceof JournalOp.Placed placed) {
                // its receipts, found without going through every receipt kept (unsent ones pile up while the
                // receipts topic is out of reach)
                receiptsToReport.addAll(state.receiptsOf(placed.seq()));
            }
        }
        result.dropped().forEach(next::garbage); // removed once the next round has journaled the drop
        toReport.add(result);
    }

    private Round report() {
        if (toReport.isEmpty()) {
            return Round.NOTHING;
        }
        List<Publication> published = new ArrayList<>();
        List<FailedPublication> failed = new ArrayList<>();
        for (CommitPipeline.Result result : toReport) {
            published.addAll(result.published());
            failed.addAll(result.failed());
        }
        Round round = new Round(true, published, failed, List.copyOf(receiptsToReport));
        toReport.clear();
        receiptsToReport.clear();
        return round;
    }

    // ---------------------------------------------------------------- recovery

    /** See {@link Recovery}; the listener hears of files it put in place. */
    private void recover() throws IOException {
        Recovery.Result recovered = new Recovery(realFilesDir, state, work, placement, syncPool, assembly,
                clock).run(journalFile);
        next = new NextRound();
        pipeline = new CommitPipeline(state.copy(), recovered.journal(), placement, work, syncPool,
                () -> this.listener, hook);
        if (recovered.placed()) {
            listener.afterPublishing();
        }
    }

    private static Path createDirectory(Path parent, String name) throws IOException {
        Path dir = parent.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
            DurableFiles.syncDirectory(parent);
        }
        return dir;
    }

    /** Tests compact small journals to reach that step. */
    void compactAfter(long bytes) {
        pipeline.compactAfter(bytes);
    }

    /** Tests lower the journal's fixed compaction size and keep the rule relative to the snapshot. */
    void compactAfterAtLeast(long bytes) {
        pipeline.compactAfterAtLeast(bytes);
    }

    /** How long {@link #close} waits for a round in progress before it returns (the lock waits for the round). */
    void closeTimeout(java.time.Duration timeout) {
        pipeline.closeTimeout(timeout);
    }

    /** The work directory, for tests. */
    Path workDir() {
        return work.dir();
    }

    /**
     * Releases the lock and open files without writing anything: what is not committed is rolled back by the
     * next {@link #open}. Used both for a clean stop (after a final {@link #commit()}) and to abandon the store
     * after an I/O failure. The lock is released only once no round can still rename and no work file can still
     * be written.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        assembly.close();
        Runnable release = () -> {
            writer.close();
            hasher.close();
            syncPool.close();
            try {
                lock.close();
            } catch (IOException e) {
                log.debug("Releasing the lock failed: {}", e.toString());
            }
        };
        if (pipeline != null) {
            pipeline.close(release);
        } else {
            release.run();
        }
    }
}
