package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.ConfigFileValidator;
import io.github.kresconnect.filesink.protocol.InvalidConfigFileException;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * The files directory, written exactly once per record, with durability by group commit. Knows nothing of
 * Kafka Connect.
 *
 * <h2>On disk</h2>
 * Everything the store needs besides the files it delivers lives in {@code D/.resolver-file-sink/store/}, on
 * the files directory's own file system so that the final rename is atomic: {@code lock} (one writer per
 * files directory), {@code journal} (see {@link Journal}), and {@code work/}: {@code t<n>.data} (the next
 * version of a file, in-order chunks written straight into it), {@code t<n>.c<i>} (a chunk that arrived out of
 * order), {@code b<n>.link} (the backup link being made). Delivered files are {@code D/F} and their previous
 * version {@code D/F.backup}. Nothing else in {@code D} is ever created, changed or removed.
 *
 * <h2>Rules (the recovery argument)</h2>
 * <ol>
 * <li>Records change the in-memory state and write work files only (a small whole file is only held in
 * memory); nothing is durable or visible yet.</li>
 * <li>A round ({@link #commit()}, or {@link #commitAsync()} on the store's commit thread while the caller goes
 * on applying records) writes the held small files, fsyncs every work file written since the last round
 * together with the work directory, persists the owed reload or renew ({@link Listener#beforePublishing}),
 * then appends one journal entry holding every change since the last round together with the next offset of
 * every partition: this fsync'd append is the commit point. Only then are completed files renamed into place
 * (backup first) and the manager request armed ({@link Listener#afterPublishing}). The renames' directories
 * are fsync'd before the journal is compacted and at every start: until then a lost rename is redone.</li>
 * <li>{@link #open} replays the journal: records before a partition's journaled offset are applied and are
 * skipped when delivered again; a publication whose work file still exists is carried out (roll forward);
 * work files and bytes the journal does not mention are removed or cut off (roll back).</li>
 * </ol>
 * Receipts ({@link #keepReceipt}, {@link Listener#receiptOf}) are opaque bytes journaled in the entry of the round
 * that commits what they report, kept until {@link #acknowledge acknowledged}, and replayed like the rest: a
 * receipt is never lost while its effect is durable.
 *
 * <p>So a record's effect and its offset become durable together, a publication is never undone or repeated by
 * a redelivery, and a file at its final path is always a version that was sent whole. Offsets handed to
 * Kafka ({@link #durableOffsets()}) never run ahead of the journal.
 *
 * <p>Failures: a {@link RejectedFileException} belongs to one record, which can never succeed; the files in
 * place stay as they are. An {@link IOException} is the environment: the caller abandons this store
 * ({@link #close()}) and opens a new one, which recovers as after a crash. Used from one thread; a round's
 * failure is thrown by the next call that waits for it.
 */
public final class FileStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    /** The connector's own directory inside the files directory: hidden, so never a delivered name. */
    public static final String STATE_DIR = ".resolver-file-sink";
    static final String STORE_DIR = "store";
    static final String WORK_DIR = "work";
    static final String JOURNAL = "journal";
    static final String LOCK = "lock";
    private static final long COMPACT_AFTER_BYTES = 8L * 1024 * 1024;
    private long compactAfterBytes = COMPACT_AFTER_BYTES;
    private static final int SYNC_THREADS = 32; // concurrent fsyncs share the file system's journal commits
    private static final int COPY_BUFFER = 64 * 1024;
    /** How far a signed version may be ahead of this host's clock. */
    static final long MAX_VERSION_AHEAD_MS = 24L * 60 * 60 * 1000;
    /** The version of a transfer or file that was not signed. */
    public static final long UNVERSIONED = -1;
    /** Whole data files up to this size are written by the round, on the commit thread. */
    private static final int INLINE_MAX_BYTES = 256 * 1024;
    /**
     * A large file's data starts going to disk in the background every this many bytes, so the round that
     * publishes it finds little left to sync (the round's own fsync is what durability rests on).
     */
    private static final long EARLY_WRITEBACK_BYTES = 16L * 1024 * 1024;
    /** At most this many bytes of such files wait in memory for a round. */
    private static final long INLINE_BUDGET_BYTES = 32L * 1024 * 1024;

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
         * The receipt of a publication the coming round commits, or null for none: journaled in the round's
         * entry, so it survives a crash with the publication; handed back in {@link Round#receipts()} once the
         * file is in place. Called on the caller's thread when the round starts.
         */
        default ReceiptContent receiptOf(Publication publication) {
            return null;
        }

        /** The files of the round are in place and their directories synced. */
        default void afterPublishing() {
        }

        /** A transfer in progress was dropped without being published. */
        default void transferDiscarded(String name, String reason) {
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
        WAITING
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

    /** A receipt's key and value, opaque to the store. */
    public record ReceiptContent(byte[] key, byte[] value) {
    }

    /** The file the store put at a name: its content, its identity on disk, and its signed version (or -1). */
    private record CurrentFile(long size, String sha256, String identity, long version) {
        CurrentFile withIdentity(String newIdentity) {
            return new CurrentFile(size, sha256, newIdentity, version);
        }
    }

    /** A completed file; {@code inline} holds a small whole file's bytes that the round writes itself. */
    private record PendingPublication(SafeFileName name, FileKind kind, long seq, long size, String sha256,
            Object source, FileLocation location, byte[] inline) {
    }

    /** A transfer in progress: its state, its data file and the digest of the bytes in it. */
    private static final class LiveTransfer {
        TransferState state;
        final SafeFileName name;
        final FileKind kind;
        FileLocation location;
        FileChannel data;
        /** Bytes appended since the last early writeback was started. */
        long unsyncedBytes;
        MessageDigest digest;
        Instant lastActivity;

        LiveTransfer(TransferState state, SafeFileName name, FileKind kind, Instant now) {
            this.state = state;
            this.name = name;
            this.kind = kind;
            this.lastActivity = now;
        }
    }

    private final Path realFilesDir;
    private final Path storeDir;
    private final Path workDir;
    private final StoreSettings settings;
    private final Clock clock;
    private final ConfigFileValidator configValidator;
    private final StepHook hook;
    private Listener listener;
    private final FileChannel lockChannel;
    private Journal journal;
    private long nextSeq = 1;

    private final Map<SourcePartition, Long> applied = new HashMap<>();
    private final Map<SourcePartition, Long> durable = new java.util.concurrent.ConcurrentHashMap<>();
    private final Set<SourcePartition> advanced = new LinkedHashSet<>();
    private final Map<String, CurrentFile> current = new HashMap<>();
    private final Map<String, LiveTransfer> transfers = new LinkedHashMap<>();
    private final List<JournalOp> pendingOps = new ArrayList<>();
    private boolean pendingChanges;
    private final List<PendingPublication> publications = new ArrayList<>();
    /** Work files written since the last round, with their open channel where one is kept (else null). */
    private final Map<Path, FileChannel> dirty = new LinkedHashMap<>();
    /** Channels of completed files, closed once the round synced them. */
    private final List<FileChannel> closeAfterRound = new ArrayList<>();
    private boolean workDirChanged;
    private long inlineBytes;
    private final List<Path> garbage = new ArrayList<>();
    private ExecutorService syncPool;
    private ExecutorService commitThread;
    private volatile Future<RoundDone> running;
    private volatile long journalBytes;
    /** Directories that received files since their last sync; touched by the commit thread only. */
    private final Set<Path> unsyncedDirectories = new LinkedHashSet<>();
    private final List<RoundDone> finished = new ArrayList<>();
    private final List<RoundDone> toReport = new ArrayList<>();
    /** Receipts kept until acknowledged, by number, oldest first. */
    private final Map<Long, KeptReceipt> keptReceipts = new LinkedHashMap<>();
    /** Receipts were acknowledged since the last round: {@link #commit()} journals that. */
    private boolean acknowledged;
    private boolean closed;

    private FileStore(Path realFilesDir, StoreSettings settings, Clock clock, StepHook hook, FileChannel lockChannel) {
        this.realFilesDir = realFilesDir;
        this.storeDir = realFilesDir.resolve(STATE_DIR).resolve(STORE_DIR);
        this.workDir = storeDir.resolve(WORK_DIR);
        this.settings = settings;
        this.clock = clock;
        this.configValidator = new ConfigFileValidator(settings.maxConfigBytes());
        this.hook = hook;
        this.listener = new Listener() {
        };
        this.lockChannel = lockChannel;
    }

    /**
     * Opens the store of {@code filesDir}: takes its lock, replays the journal, finishes a publication a crash
     * interrupted and removes what no journal entry covers.
     *
     * @throws StoreLockedException when another task or worker uses the same files directory
     * @throws IOException          when the files directory cannot be used (missing, unwritable, I/O error)
     */
    public static FileStore open(Path filesDir, StoreSettings settings, Clock clock, StepHook hook)
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
        FileChannel lockChannel = FileChannel.open(storeDir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileStore store = null;
        try {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreLockedException("files directory " + filesDir + " is in use by another task or "
                        + "worker (" + storeDir.resolve(LOCK) + " is locked); exactly one connector task may write "
                        + "to a files directory");
            }
            store = new FileStore(real, settings, clock, hook, lockChannel);
            store.recover();
            return store;
        } catch (IOException | StoreLockedException | RuntimeException e) {
            if (store != null) {
                store.close();
            } else {
                lockChannel.close();
            }
            throw e;
        }
    }

    /** Where publications are announced; set once the notifier exists. */
    public void setListener(Listener listener) {
        this.listener = listener;
    }

    // ---------------------------------------------------------------- offsets

    /** True when the record at {@code offset} was applied already (a redelivery). */
    public boolean isApplied(SourcePartition partition, long offset) {
        Long next = applied.get(partition);
        return next != null && offset < next;
    }

    /** The record at {@code offset} is done (applied, skipped or rejected); durable with the next round. */
    public void markApplied(SourcePartition partition, long offset) {
        Long next = applied.get(partition);
        if (next == null || offset + 1 > next) {
            applied.put(partition, offset + 1);
            advanced.add(partition);
        }
    }

    /**
     * Forgets what was applied of a partition whose log no longer holds it (the topic was deleted and created
     * again, or truncated): its records are applied from wherever Kafka delivers them now.
     */
    public void forgetOffset(SourcePartition partition) {
        applied.remove(partition);
        advanced.remove(partition);
    }

    /** The next offset of every partition whose records are durable up to it. */
    public Map<SourcePartition, Long> durableOffsets() {
        return Map.copyOf(durable);
    }

    public OptionalLong durableOffset(SourcePartition partition) {
        Long next = durable.get(partition);
        return next == null ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /** Something applied is not durable yet. */
    public boolean hasUncommitted() {
        return pendingChanges || !advanced.isEmpty() || !publications.isEmpty();
    }

    public boolean hasPendingPublications() {
        return !publications.isEmpty();
    }

    // ---------------------------------------------------------------- receipts

    /**
     * Keeps a receipt of what the record being handled did: journaled with the next round, the one that commits
     * the record's offset, and kept (across crashes) until {@link #acknowledge acknowledged}.
     */
    public KeptReceipt keepReceipt(byte[] key, byte[] value) {
        KeptReceipt receipt = new KeptReceipt(nextSeq++, 0, key.clone(), value.clone());
        keptReceipts.put(receipt.id, receipt);
        addOp(receipt.op());
        return receipt;
    }

    /**
     * Forgets a kept receipt (it was delivered, or given up): it is not returned again. Journaled by the next
     * round; {@link #commit()} makes one for it. A receipt another opening of the store kept is ignored.
     */
    public void acknowledge(KeptReceipt receipt) {
        if (keptReceipts.get(receipt.id) != receipt) {
            return;
        }
        keptReceipts.remove(receipt.id);
        pendingOps.add(new JournalOp.ReceiptDone(receipt.id));
        acknowledged = true;
    }

    /**
     * The receipts kept and not acknowledged, oldest first: after {@link #open}, those an earlier run kept and
     * did not see acknowledged (its publications' receipts included, once their files are in place).
     */
    public List<KeptReceipt> keptReceipts() {
        return List.copyOf(keptReceipts.values());
    }

    // ---------------------------------------------------------------- applying records

    /**
     * Applies one file part. Chunks in order go straight into the next version of the file; a chunk out of
     * order is held apart until the chunks before it are in. A completed file is checked (length and digest
     * when the transfer announced them, a configuration file validated, compared with the file in place) and
     * published by the next {@link #commit()}.
     */
    public Applied apply(FilePart part, Object source) throws RejectedFileException, IOException {
        return apply(part, UNVERSIONED, source);
    }

    /**
     * As {@link #apply(FilePart, Object)}, for a part of a signed transfer of {@code version}: a version older
     * than the file in place, or the same version with other content, is refused as a replay (no rollback).
     */
    public Applied apply(FilePart part, long version, Object source) throws RejectedFileException, IOException {
        SafeFileName name = SafeFileName.parse(part.fileName());
        FileKind kind = name.hasSuffix(settings.configSuffixes()) ? FileKind.CONFIG : FileKind.DATA;
        long limit = kind == FileKind.CONFIG ? settings.maxConfigBytes() : settings.maxFileBytes();
        int index = part.chunkIndex();
        int total = part.totalChunks();
        byte[] content = part.content();
        TransferIntegrity integrity = part.integrity();
        String transferId = integrity == null ? null : integrity.transferId();
        if (total < 1 || index < 1 || index > total) {
            throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk " + index + " of "
                    + total + " of " + name + " is out of range (chunks are numbered 1.." + total + ")");
        }

        LiveTransfer transfer = transfers.get(name.value());
        if (transfer != null && !transfer.state.sameTransfer(total, transferId)) {
            discard(transfer, transferId != null && transfer.state.transferId != null
                    ? "transfer " + transferId + " of the same file began"
                    : "a new transfer of the same file began (" + total + " chunks, the held set has "
                            + transfer.state.total + (transfer.state.transferId == null ? "" : ", transfer "
                                    + transfer.state.transferId) + ")");
            transfer = null;
        }
        if (transfer != null && transferId == null && index == 1 && transfer.state.contiguous() == 0
                && !transfer.state.isEmpty()) {
            // Without transfer ids, a chunk 1 after chunks that arrived out of order starts a transfer: an in-order
            // sender always begins with it, and a set that began out of order can never be trusted anyway.
            discard(transfer, "chunk 1 arrived after chunks of the file that came out of order: a new transfer began");
            transfer = null;
        }
        if (transfer != null && transfer.state.has(index)) {
            if (sameBytes(transfer, index, content)) {
                transfer.state.duplicate(index);
                addOp(new JournalOp.Repeat(name.value(), index));
                transfer.lastActivity = clock.instant();
                return Applied.DUPLICATE;
            }
            int resent = transfer.state.resent();
            if (transferId != null) {
                discardRejected(transfer, "chunk " + index + " of transfer " + transferId + " arrived again with other bytes");
                throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk " + index
                        + " of transfer " + transferId + " of " + name + " arrived again with other bytes; the "
                        + "transfer is discarded");
            }
            if (index <= transfer.state.contiguous() && index == resent + 1) {
                log.info("Chunk {} of {} differs from the one held: a new transfer of the file began{}", index, name,
                        resent == 0 ? "" : "; its chunks 1.." + resent + " arrived again identical and are kept");
                listener.transferDiscarded(name.value(), "a new transfer of the same file began");
                transfer = rewind(transfer, resent);
            } else {
                discard(transfer, "chunk " + index + " arrived again with other bytes: a new transfer began");
                transfer = null;
            }
        }
        refuseOlderVersion(name, version);
        if (transfer == null && total == 1 && kind == FileKind.DATA && content.length <= INLINE_MAX_BYTES
                && inlineBytes + content.length <= INLINE_BUDGET_BYTES) {
            return applyWhole(name, content, integrity, version, source, limit);
        }
        if (transfer == null) {
            if (integrity != null && integrity.length() > limit) {
                throw tooLarge(kind, name, integrity.length(), limit);
            }
            if (content.length > limit) {
                throw tooLarge(kind, name, content.length, limit); // before any directory is made for it
            }
            transfer = begin(name, kind, total, integrity, version);
        }
        long held = transfer.state.bytesHeld() + content.length;
        if (held > limit) {
            discardRejected(transfer, "it grew beyond the size limit");
            throw tooLarge(kind, name, held, limit);
        }
        if (integrity != null && held > integrity.length()) {
            discardRejected(transfer, "it holds more bytes than its header 'file-length' announced");
            throw new RejectedFileException(RejectedFileException.Kind.DIGEST_MISMATCH, "transfer " + transferId
                    + " of " + name + " holds " + held + " bytes, more than its announced length of "
                    + integrity.length() + "; the transfer is discarded and nothing is published");
        }
        if (transfer.state.isInOrderNext(index)) {
            append(transfer, index, content);
            absorbStaged(transfer);
        } else {
            stage(transfer, index, content);
        }
        transfer.lastActivity = clock.instant();
        hook.reached("apply:chunk-written");
        return transfer.state.isComplete() ? complete(transfer, source) : Applied.STAGED;
    }

    /**
     * A small whole data file: held in memory and written by the round itself, on the commit thread, so that
     * many small files cost the task's thread no file creation at all.
     */
    private Applied applyWhole(SafeFileName name, byte[] content, TransferIntegrity integrity, long version,
            Object source, long limit) throws RejectedFileException, IOException {
        if (content.length > limit) {
            throw tooLarge(FileKind.DATA, name, content.length, limit);
        }
        FileLocation location = resolveWritable(name);
        MessageDigest digest = TransferIntegrity.newSha256();
        String sha256 = HexFormat.of().formatHex(digest.digest(content));
        if (integrity != null && (integrity.length() != content.length || !integrity.sha256Hex().equals(sha256))) {
            throw digestMismatch(integrity, name, content.length, sha256);
        }
        hook.reached("apply:whole-held");
        if (isInPlace(name, content.length, sha256)) {
            return Applied.UNCHANGED;
        }
        refuseSameVersion(name, version);
        long seq = nextSeq++;
        addOp(new JournalOp.Publish(name.value(), seq, content.length, sha256, version));
        publications.add(new PendingPublication(name, FileKind.DATA, seq, content.length, sha256, source, location,
                content));
        current.put(name.value(), new CurrentFile(content.length, sha256, null, version));
        inlineBytes += content.length;
        workDirChanged = true;
        return Applied.COMPLETED;
    }

    private static RejectedFileException digestMismatch(TransferIntegrity integrity, SafeFileName name, long size,
            String sha256) {
        return new RejectedFileException(RejectedFileException.Kind.DIGEST_MISMATCH, "transfer "
                + integrity.transferId() + " of " + name + " assembled " + size + " bytes with SHA-256 " + sha256
                + ", but its headers announced " + integrity.length() + " bytes with SHA-256 "
                + integrity.sha256Hex() + "; nothing is published");
    }

    private LiveTransfer begin(SafeFileName name, FileKind kind, int total, TransferIntegrity integrity,
            long version) throws RejectedFileException, IOException {
        FileLocation location = resolveWritable(name);
        long seq = nextSeq++;
        TransferState state = new TransferState(name.value(), seq, total,
                integrity == null ? null : integrity.transferId(), integrity == null ? -1 : integrity.length(),
                integrity == null ? null : integrity.sha256Hex(), version);
        LiveTransfer transfer = new LiveTransfer(state, name, kind, clock.instant());
        transfer.location = location;
        transfer.data = DurableFiles.createNew(dataFile(seq));
        transfer.digest = TransferIntegrity.newSha256();
        workDirChanged = true;
        dirty.put(dataFile(seq), transfer.data);
        addOp(new JournalOp.Begin(name.value(), seq, total, state.transferId, state.expectedLength,
                state.expectedSha256, version));
        transfers.put(name.value(), transfer);
        return transfer;
    }

    private void append(LiveTransfer transfer, int index, byte[] content) throws IOException {
        DurableFiles.writeFully(transfer.data, ByteBuffer.wrap(content), transfer.state.dataLength());
        transfer.digest.update(content);
        transfer.unsyncedBytes += content.length;
        if (transfer.unsyncedBytes >= EARLY_WRITEBACK_BYTES) {
            transfer.unsyncedBytes = 0;
            startWriteback(transfer.data);
        }
        transfer.state.appendInOrder(content.length);
        addOp(new JournalOp.Chunk(transfer.name.value(), index, content.length, true));
    }

    private void stage(LiveTransfer transfer, int index, byte[] content) throws IOException {
        Path chunk = chunkFile(transfer.state.seq, index);
        try (FileChannel out = DurableFiles.createNew(chunk)) {
            DurableFiles.writeFully(out, ByteBuffer.wrap(content));
        }
        workDirChanged = true;
        dirty.put(chunk, null);
        boolean wasAmbiguous = transfer.state.isAmbiguous();
        transfer.state.stage(index, content.length);
        addOp(new JournalOp.Chunk(transfer.name.value(), index, content.length, false));
        if (transfer.state.isAmbiguous() && !wasAmbiguous) {
            log.warn("Chunk {} of {} arrived out of order while chunks of the file were held, and the records carry "
                    + "no transfer id: an abandoned transfer and a new one cannot be told apart, so this set will not "
                    + "be published; the file waits for its next transfer", index, transfer.name);
        }
    }

    /** Appends staged chunks that now follow the data in order, hashing them as they are copied. */
    private void absorbStaged(LiveTransfer transfer) throws IOException {
        int index;
        while ((index = transfer.state.absorbable()) > 0) {
            Path chunk = chunkFile(transfer.state.seq, index);
            long position = transfer.state.dataLength();
            try (FileChannel in = DurableFiles.openForReading(chunk)) {
                ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER);
                while (in.read(buffer) > 0) {
                    buffer.flip();
                    transfer.digest.update(buffer.duplicate());
                    position += writeAt(transfer.data, buffer, position);
                    buffer.clear();
                }
            }
            transfer.state.absorb(index);
            addOp(new JournalOp.Absorb(transfer.name.value(), index));
            hook.reached("apply:absorbed");
            dirty.remove(chunk);
            garbage.add(chunk);
        }
    }

    /** A new transfer whose first {@code keep} chunks equal the held ones: they are copied to a new data file. */
    private LiveTransfer rewind(LiveTransfer old, int keep) throws IOException {
        long seq = nextSeq++;
        LiveTransfer transfer = new LiveTransfer(old.state.rewound(keep, seq), old.name, old.kind, clock.instant());
        transfer.location = old.location;
        transfer.data = DurableFiles.createNew(dataFile(seq));
        transfer.digest = TransferIntegrity.newSha256();
        copyPrefix(old.data, transfer, transfer.state.dataLength());
        workDirChanged = true;
        dirty.put(dataFile(seq), transfer.data);
        addOp(new JournalOp.Rewind(old.name.value(), keep, seq));
        dropFiles(old);
        transfers.put(old.name.value(), transfer);
        return transfer;
    }

    private Applied complete(LiveTransfer transfer, Object source) throws RejectedFileException, IOException {
        TransferState state = transfer.state;
        String name = transfer.name.value();
        String sha256 = HexFormat.of().formatHex(transfer.digest.digest());
        long size = state.dataLength();
        if (state.expectedSha256 != null && (size != state.expectedLength || !sha256.equals(state.expectedSha256))) {
            discardRejected(transfer, "its length or SHA-256 does not match its headers");
            throw digestMismatch(new TransferIntegrity(state.transferId, state.expectedLength, state.expectedSha256),
                    transfer.name, size, sha256);
        }
        if (state.isAmbiguous()) {
            discard(transfer, "its chunks may come from two transfers (out of order, no transfer id)");
            return Applied.WAITING;
        }
        if (transfer.kind == FileKind.CONFIG) {
            try {
                validateConfig(transfer.name, dataFile(state.seq));
            } catch (RejectedFileException e) {
                discardRejected(transfer, "it is not a valid configuration file");
                throw e;
            }
        }
        transfers.remove(name);
        if (isInPlace(transfer.name, size, sha256)) {
            transfer.data.close();
            addOp(new JournalOp.Discard(name));
            dirty.remove(dataFile(state.seq));
            garbage.add(dataFile(state.seq));
            return Applied.UNCHANGED;
        }
        try {
            refuseSameVersion(transfer.name, state.version);
        } catch (RejectedFileException e) {
            transfers.put(name, transfer);
            discardRejected(transfer, "it replays the version in place with other content");
            throw e;
        }
        addOp(new JournalOp.Publish(name, state.seq, size, sha256, state.version));
        closeAfterRound.add(transfer.data); // synced by the round, through this channel
        publications.add(new PendingPublication(transfer.name, transfer.kind, state.seq, size, sha256, source,
                transfer.location, null));
        current.put(name, new CurrentFile(size, sha256, null, state.version));
        return Applied.COMPLETED;
    }

    /** A signed version older than the one in place can never be published: it would roll the resolver back. */
    private void refuseOlderVersion(SafeFileName name, long version) throws RejectedFileException {
        if (version != UNVERSIONED && version > clock.millis() + MAX_VERSION_AHEAD_MS) {
            // A version far in the future (a stolen key's, or a broken clock's) would make every later
            // publication of the file look older and be refused.
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "version " + version
                    + " of " + name + " is more than a day ahead of this host's clock (" + clock.millis()
                    + " ms); versions are publication times in milliseconds");
        }
        CurrentFile known = current.get(name.value());
        if (version != UNVERSIONED && known != null && version < known.version()) {
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "replayed or older version: "
                    + name + " version " + version + " is older than version " + known.version() + " in place");
        }
    }

    /** The same signed version again is harmless only with the same content (checked before this is called). */
    private void refuseSameVersion(SafeFileName name, long version) throws RejectedFileException {
        CurrentFile known = current.get(name.value());
        if (version != UNVERSIONED && known != null && version <= known.version()) {
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "replayed or older version: "
                    + name + " version " + version + " is not newer than version " + known.version()
                    + " in place, and its content differs");
        }
    }

    /** The file in place is one the store wrote with this content, untouched since (same size, time and inode). */
    private boolean isInPlace(SafeFileName name, long size, String sha256) throws IOException {
        CurrentFile known = current.get(name.value());
        if (known == null || known.size() != size || !known.sha256().equals(sha256)) {
            return false;
        }
        if (known.identity() == null) {
            return true; // published by this round, or its identity was not journaled before a crash
        }
        Optional<FileLocation> location;
        try {
            location = FileLocation.resolveExisting(realFilesDir, name);
        } catch (RejectedFileException e) {
            return false;
        }
        return location.isPresent() && known.identity().equals(identity(location.get().target()).orElse(null));
    }

    /** Drops transfers idle for longer than the stale time (time while stopped does not count). */
    public List<String> expireStale() {
        Instant now = clock.instant();
        List<String> expired = new ArrayList<>();
        for (Iterator<LiveTransfer> it = new ArrayList<>(transfers.values()).iterator(); it.hasNext(); ) {
            LiveTransfer transfer = it.next();
            if (Duration.between(transfer.lastActivity, now).compareTo(settings.staleAfter()) > 0) {
                discard(transfer, "no chunk arrived for " + settings.staleAfter().toMillis() + " ms");
                expired.add(transfer.name.value());
            }
        }
        return expired;
    }

    /** Drops a transfer whose record is being rejected: the rejection is the one line the operator needs. */
    private void discardRejected(LiveTransfer transfer, String reason) {
        log.debug("Discarded the transfer of {} with its rejected record: {}", transfer.name, reason);
        forget(transfer, reason);
    }

    private void discard(LiveTransfer transfer, String reason) {
        log.warn("Discarded the incomplete transfer of {} ({} of {} chunks held): {}", transfer.name,
                transfer.state.contiguous(), transfer.state.total, reason);
        forget(transfer, reason);
    }

    private void forget(LiveTransfer transfer, String reason) {
        addOp(new JournalOp.Discard(transfer.name.value()));
        dropFiles(transfer);
        transfers.remove(transfer.name.value());
        listener.transferDiscarded(transfer.name.value(), reason);
    }

    /** The transfer's work files go once the round that forgets them is committed. */
    private void dropFiles(LiveTransfer transfer) {
        try {
            transfer.data.close();
        } catch (IOException e) {
            log.debug("Closing {} failed: {}", dataFile(transfer.state.seq), e.toString());
        }
        Path data = dataFile(transfer.state.seq);
        dirty.remove(data);
        garbage.add(data);
        for (int index : transfer.state.stagedIndexes()) {
            Path chunk = chunkFile(transfer.state.seq, index);
            dirty.remove(chunk);
            garbage.add(chunk);
        }
    }

    // ---------------------------------------------------------------- the round

    /** What one round commits: taken from the task's state in one step, then carried out on the commit thread. */
    private record RoundWork(List<JournalOp> ops, Map<Path, FileChannel> dirty, List<FileChannel> closeAfter,
            boolean workDirChanged, List<PendingPublication> publications, List<Path> garbage,
            Map<SourcePartition, Long> offsets, List<JournalOp> snapshot, Map<Long, KeptReceipt> receipts) {
    }

    /** What a finished round hands back to the task's thread. */
    private record RoundDone(Round round, List<JournalOp.Placed> placed, List<DroppedPublication> dropped,
            List<KeptReceipt> cancelled) {
    }

    /**
     * A committed publication that could not be put in place. Its work file stays until the next round has
     * journaled {@link JournalOp.Dropped}: until then a crash leaves it to be tried again at the next start,
     * rather than taken for placed.
     */
    private record DroppedPublication(String name, long seq) {
    }

    /**
     * Makes everything applied so far durable in one round of fsyncs, commits it with the offsets in one
     * journal entry, puts completed files in place, and waits for all of it. Returns what this round and the
     * rounds started with {@link #commitAsync()} since the last report published.
     */
    public Round commit() throws IOException {
        awaitRound();
        absorbFinishedRounds();
        if (acknowledged) {
            pendingChanges = true; // acknowledgements alone are a reason for this round, not for commitAsync's
        }
        commitAsync();
        awaitRound();
        return drainRounds();
    }

    /**
     * Starts a round on the commit thread and returns: the task's thread goes on applying records meanwhile. At
     * most one round runs at a time, so this first waits for the previous one (and throws its failure).
     */
    public void commitAsync() throws IOException {
        awaitRound();
        absorbFinishedRounds();
        if (!hasUncommitted()) {
            return;
        }
        Map<Long, KeptReceipt> receipts = new HashMap<>();
        for (PendingPublication publication : publications) {
            ReceiptContent content = listener.receiptOf(new Publication(publication.name().value(),
                    publication.kind(), publication.size(), publication.sha256(), publication.source()));
            if (content != null) {
                KeptReceipt receipt = new KeptReceipt(nextSeq++, publication.seq(), content.key().clone(),
                        content.value().clone());
                keptReceipts.put(receipt.id, receipt);
                pendingOps.add(receipt.op());
                receipts.put(publication.seq(), receipt);
            }
        }
        Map<SourcePartition, Long> offsets = new LinkedHashMap<>();
        for (SourcePartition partition : advanced) {
            offsets.put(partition, applied.get(partition));
            addOp(new JournalOp.Offset(partition.topic(), partition.partition(), applied.get(partition)));
        }
        // The snapshot is the state right after this round: taken here, where that state lives.
        List<JournalOp> snapshot = journalBytes > compactAfterBytes ? snapshot() : null;
        RoundWork work = new RoundWork(new ArrayList<>(pendingOps), new LinkedHashMap<>(dirty),
                new ArrayList<>(closeAfterRound), workDirChanged, new ArrayList<>(publications),
                new ArrayList<>(garbage), offsets, snapshot, receipts);
        advanced.clear();
        acknowledged = false;
        pendingOps.clear();
        pendingChanges = false;
        dirty.clear();
        closeAfterRound.clear();
        workDirChanged = false;
        publications.clear();
        garbage.clear();
        inlineBytes = 0;
        if (commitThread == null) {
            commitThread = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "resolver-file-sink-commit");
                thread.setDaemon(true);
                return thread;
            });
        }
        running = commitThread.submit(() -> round(work));
    }

    /** True while a round runs on the commit thread. */
    public boolean isCommitting() {
        Future<RoundDone> round = running;
        return round != null && !round.isDone();
    }

    /** What finished rounds published since the last call; does not wait for a round in progress. */
    public Round drainRounds() throws IOException {
        Future<RoundDone> round = running;
        if (round != null && round.isDone()) {
            awaitRound();
        }
        absorbFinishedRounds();
        if (toReport.isEmpty()) {
            return Round.NOTHING;
        }
        List<Publication> published = new ArrayList<>();
        List<FailedPublication> failed = new ArrayList<>();
        List<KeptReceipt> receipts = new ArrayList<>();
        for (RoundDone done : toReport) {
            published.addAll(done.round().published());
            failed.addAll(done.round().failed());
            receipts.addAll(done.round().receipts());
        }
        toReport.clear();
        return new Round(true, published, failed, receipts);
    }

    /** Waits for the round in progress, if any; its failure (the environment's) is thrown here. */
    private void awaitRound() throws IOException {
        Future<RoundDone> round = running;
        if (round == null) {
            return;
        }
        running = null;
        try {
            finished.add(round.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a commit", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }

    /** Brings what finished rounds learnt (identities of placed files, dropped publications) into the state. */
    private void absorbFinishedRounds() {
        for (RoundDone done : finished) {
            for (JournalOp.Placed placed : done.placed()) {
                CurrentFile known = current.get(placed.name());
                if (known != null && known.identity() == null) {
                    current.put(placed.name(), known.withIdentity(placed.identity()));
                    pendingOps.add(placed); // journaled with the next round; not a reason for one
                }
            }
            for (DroppedPublication dropped : done.dropped()) {
                current.remove(dropped.name());
                addOp(new JournalOp.Dropped(dropped.name()));
                garbage.add(dataFile(dropped.seq())); // removed once the round has journaled the drop
            }
            done.cancelled().forEach(this::acknowledge); // the receipt of a publication that did not happen
            toReport.add(done);
        }
        finished.clear();
    }

    /** One round, on the commit thread: sync, commit, place, clean, and compact when the journal grew. */
    private RoundDone round(RoundWork work) throws IOException {
        hook.reached("round:start");
        Map<Path, FileChannel> toSync = new LinkedHashMap<>(work.dirty());
        Map<Path, byte[]> toWrite = new LinkedHashMap<>();
        for (PendingPublication publication : work.publications()) {
            if (publication.inline() != null) {
                toWrite.put(dataFile(publication.seq()), publication.inline());
            }
        }
        if (work.workDirChanged()) {
            toSync.put(workDir, null); // the new work files' names, synced together with their data
        }
        syncAll(toSync, toWrite);
        for (FileChannel channel : work.closeAfter()) {
            channel.close();
        }
        hook.reached("round:data-synced");
        Map<FileKind, List<Publication>> kinds = new java.util.EnumMap<>(FileKind.class);
        work.publications().forEach(publication -> kinds.computeIfAbsent(publication.kind(), k -> new ArrayList<>())
                .add(new Publication(publication.name().value(), publication.kind(), publication.size(),
                        publication.sha256(), publication.source())));
        for (Map.Entry<FileKind, List<Publication>> kind : kinds.entrySet()) {
            listener.beforePublishing(kind.getKey(), kind.getValue());
        }
        hook.reached("round:notification-persisted");
        journal.append(work.ops());
        journalBytes = journal.size();
        hook.reached("round:journal-committed");
        durable.putAll(work.offsets());

        List<JournalOp.Placed> placed = new ArrayList<>();
        List<DroppedPublication> dropped = new ArrayList<>();
        List<KeptReceipt> cancelled = new ArrayList<>();
        Round round = place(work.publications(), work.receipts(), placed, dropped, cancelled);
        if (!round.published().isEmpty()) {
            listener.afterPublishing();
            hook.reached("round:armed");
        }
        for (Path path : work.garbage()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                log.debug("Could not remove {} ({}); the next start removes it", path, e.toString());
            }
        }
        if (work.snapshot() != null) {
            compact(work.snapshot());
        }
        return new RoundDone(round, placed, dropped, cancelled);
    }

    /** Renames committed files into place, backup first, then syncs their directories. */
    private Round place(List<PendingPublication> toPlace, Map<Long, KeptReceipt> receipts,
            List<JournalOp.Placed> placed, List<DroppedPublication> dropped, List<KeptReceipt> cancelled)
            throws IOException {
        if (toPlace.isEmpty()) {
            return new Round(true, List.of(), List.of(), List.of());
        }
        List<Publication> published = new ArrayList<>();
        List<FailedPublication> failed = new ArrayList<>();
        List<KeptReceipt> placedReceipts = new ArrayList<>();
        Set<Path> directories = new LinkedHashSet<>();
        for (PendingPublication publication : toPlace) {
            try {
                FileLocation location = placeOne(publication.name(), publication.seq(), publication.location());
                directories.add(location.dir());
                identity(location.target()).ifPresent(identity ->
                        placed.add(new JournalOp.Placed(publication.name().value(), identity)));
                published.add(new Publication(publication.name().value(), publication.kind(), publication.size(),
                        publication.sha256(), publication.source()));
                Optional.ofNullable(receipts.get(publication.seq())).ifPresent(placedReceipts::add);
            } catch (RejectedFileException e) {
                log.error("Could not put {} in place, and never will as things stand: {}; the file in place is "
                        + "unchanged", publication.name(), e.getMessage());
                dropped.add(new DroppedPublication(publication.name().value(), publication.seq()));
                Optional.ofNullable(receipts.get(publication.seq())).ifPresent(cancelled::add);
                failed.add(new FailedPublication(publication.name().value(), publication.source(), e));
            }
        }
        // The renames need not be durable yet: until they are, the committed journal entry and the work file
        // redo them after a crash. Their directories are synced before the journal forgets them (compaction).
        unsyncedDirectories.addAll(directories);
        hook.reached("round:placed");
        return new Round(true, published, failed, placedReceipts);
    }

    /** Makes the renames of earlier rounds durable, before the journal entries that can redo them are dropped. */
    private void syncPlacedDirectories() throws IOException {
        for (Path directory : unsyncedDirectories) {
            try {
                DurableFiles.syncDirectory(directory);
            } catch (java.nio.file.NoSuchFileException e) {
                // removed since: nothing of ours to keep there
            }
        }
        unsyncedDirectories.clear();
        hook.reached("compaction:directories-synced");
    }

    /** Puts work file {@code t<seq>.data} at {@code name}; {@code known} is where apply resolved it (or null). */
    private FileLocation placeOne(SafeFileName name, long seq, FileLocation known)
            throws RejectedFileException, IOException {
        FileLocation location = known != null ? known : resolveWritable(name);
        Path target = location.target();
        try {
            PosixFileAttributes previous = null;
            boolean replacing;
            try {
                previous = Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                replacing = true;
            } catch (NoSuchFileException e) {
                replacing = false;
            } catch (UnsupportedOperationException e) {
                replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            }
            setOwnership(dataFile(seq), previous);
            if (replacing) {
                Path link = workDir.resolve("b" + seq + ".link");
                Files.deleteIfExists(link);
                try {
                    Files.createLink(link, target);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    DurableFiles.copy(target, link);
                }
                hook.reached("place:backup-linked");
                Files.move(link, location.backup(), StandardCopyOption.ATOMIC_MOVE);
                Files.deleteIfExists(link); // rename(2) keeps both names when they are one file already
                hook.reached("place:backup-renamed");
            }
            Files.move(dataFile(seq), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw classify(name, location.dir(), e);
        }
        hook.reached("place:renamed");
        return location;
    }

    /** Resolves the file's directory (creating it) and checks that the worker may write there. */
    private FileLocation resolveWritable(SafeFileName name) throws RejectedFileException, IOException {
        FileLocation location;
        try {
            location = FileLocation.resolve(realFilesDir, name);
        } catch (IOException e) {
            throw classify(name, null, e);
        }
        if (!location.dir().equals(realFilesDir) && !Files.isWritable(location.dir())) {
            throw new RejectedFileException(RejectedFileException.Kind.PATH_CONFLICT, "cannot write file " + name
                    + ": directory '" + realFilesDir.relativize(location.dir()) + "' is not writable by this worker");
        }
        return location;
    }

    /**
     * A failure on one file's path is that record's when it will not heal (and the files directory and the
     * store's own directory are usable); otherwise it is the environment's and is thrown as it is.
     */
    private IOException classify(SafeFileName name, Path dir, IOException e) throws RejectedFileException {
        boolean environment = !Files.isWritable(realFilesDir) || !Files.isWritable(workDir)
                || realFilesDir.equals(dir) && !(e instanceof java.nio.file.AtomicMoveNotSupportedException);
        if (!environment && PathFailures.isPermanentForPath(e)) {
            throw new RejectedFileException(RejectedFileException.Kind.PATH_CONFLICT, "cannot write file " + name + ": "
                    + PathFailures.describe(e));
        }
        return e;
    }

    /**
     * Writes {@code writes} (one after the other: creating files in one directory from many threads only makes
     * them wait for each other), then fsyncs them and {@code files}, in parallel when there are several, so
     * their fsyncs share the file system's journal commits.
     */
    private void syncAll(Map<Path, FileChannel> files, Map<Path, byte[]> writes) throws IOException {
        Map<Path, FileChannel> toSync = new LinkedHashMap<>(files);
        List<FileChannel> written = new ArrayList<>(writes.size());
        try {
            for (Map.Entry<Path, byte[]> write : writes.entrySet()) {
                FileChannel channel = DurableFiles.createNew(write.getKey());
                written.add(channel);
                DurableFiles.writeFully(channel, ByteBuffer.wrap(write.getValue()));
                toSync.put(write.getKey(), channel);
            }
            syncInParallel(toSync);
        } finally {
            for (FileChannel channel : written) {
                channel.close();
            }
        }
    }

    /** Starts writing a work file's data to disk without waiting; a failure is the next round's to report. */
    private void startWriteback(FileChannel channel) {
        syncPool().execute(() -> {
            try {
                channel.force(false);
            } catch (IOException e) {
                log.debug("Early writeback of a work file did not complete: {}", e.toString());
            }
        });
    }

    private ExecutorService syncPool() {
        if (syncPool == null) {
            syncPool = Executors.newFixedThreadPool(SYNC_THREADS, runnable -> {
                Thread thread = new Thread(runnable, "resolver-file-sink-fsync");
                thread.setDaemon(true);
                return thread;
            });
        }
        return syncPool;
    }

    private void syncInParallel(Map<Path, FileChannel> files) throws IOException {
        if (files.size() < 4) {
            for (Map.Entry<Path, FileChannel> file : files.entrySet()) {
                DurableFiles.syncFile(file.getKey(), file.getValue());
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(files.size());
        for (Map.Entry<Path, FileChannel> file : files.entrySet()) {
            futures.add(syncPool().submit(() -> {
                DurableFiles.syncFile(file.getKey(), file.getValue());
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while syncing files", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }


    // ---------------------------------------------------------------- recovery

    private void recover() throws IOException {
        Path journalFile = storeDir.resolve(JOURNAL);
        Map<String, TransferState> states = new LinkedHashMap<>();
        List<JournalOp.Publish> published = new ArrayList<>();
        for (List<JournalOp> entry : Journal.read(journalFile)) {
            for (JournalOp op : entry) {
                replay(op, states, published);
            }
        }
        durable.putAll(applied);
        rollForward(published);
        Set<Path> keep = new LinkedHashSet<>();
        Instant now = clock.instant();
        for (TransferState state : states.values()) {
            LiveTransfer transfer = reopen(state, now);
            if (transfer == null) {
                continue;
            }
            transfers.put(state.name, transfer);
            keep.add(dataFile(state.seq));
            for (int index : state.stagedIndexes()) {
                keep.add(chunkFile(state.seq, index));
            }
        }
        rollBack(keep);
        journal = Journal.create(journalFile, snapshot());
        journalBytes = journal.size();
        pendingOps.clear();
        pendingChanges = false;
        if (!transfers.isEmpty()) {
            log.info("Resumed {} incomplete transfer(s) from before the last stop: {}", transfers.size(),
                    transfers.keySet().stream().map(SafeFileName::quote).toList());
        }
    }

    private void replay(JournalOp op, Map<String, TransferState> states, List<JournalOp.Publish> published) {
        if (op instanceof JournalOp.Offset o) {
            applied.put(new SourcePartition(o.topic(), o.partition()), o.next());
        } else if (op instanceof JournalOp.Begin b) {
            states.put(b.name(), new TransferState(b.name(), b.seq(), b.total(), b.transferId(), b.length(),
                    b.sha256(), b.version()));
            nextSeq = Math.max(nextSeq, b.seq() + 1);
        } else if (op instanceof JournalOp.Chunk c) {
            TransferState state = states.get(c.name());
            if (c.inOrder()) {
                state.appendInOrder(c.size());
            } else {
                state.stage(c.index(), c.size());
            }
        } else if (op instanceof JournalOp.Repeat r) {
            states.get(r.name()).duplicate(r.index());
        } else if (op instanceof JournalOp.Absorb a) {
            states.get(a.name()).absorb(a.index());
        } else if (op instanceof JournalOp.Rewind r) {
            states.put(r.name(), states.get(r.name()).rewound(r.keep(), r.seq()));
            nextSeq = Math.max(nextSeq, r.seq() + 1);
        } else if (op instanceof JournalOp.Mark m) {
            states.get(m.name()).mark(m.ambiguous(), m.resent());
        } else if (op instanceof JournalOp.Discard d) {
            states.remove(d.name());
        } else if (op instanceof JournalOp.Publish p) {
            states.remove(p.name());
            current.put(p.name(), new CurrentFile(p.size(), p.sha256(), null, p.version()));
            published.add(p);
            nextSeq = Math.max(nextSeq, p.seq() + 1);
        } else if (op instanceof JournalOp.Placed p) {
            CurrentFile known = current.get(p.name());
            if (known != null) {
                current.put(p.name(), known.withIdentity(p.identity()));
            }
        } else if (op instanceof JournalOp.Dropped d) {
            current.remove(d.name());
            // The name's last publication never took place: not to be carried out, nor reported.
            for (int i = published.size() - 1; i >= 0; i--) {
                JournalOp.Publish publication = published.get(i);
                if (publication.name().equals(d.name())) {
                    published.remove(i);
                    keptReceipts.values().removeIf(receipt -> receipt.publication == publication.seq());
                    break;
                }
            }
        } else if (op instanceof JournalOp.Current c) {
            current.put(c.name(), new CurrentFile(c.size(), c.sha256(), c.identity(), c.version()));
        } else if (op instanceof JournalOp.NextSeq n) {
            nextSeq = Math.max(nextSeq, n.seq());
        } else if (op instanceof JournalOp.Receipt r) {
            keptReceipts.put(r.id(), new KeptReceipt(r.id(), r.publication(), r.key(), r.value()));
            nextSeq = Math.max(nextSeq, r.id() + 1);
        } else if (op instanceof JournalOp.ReceiptDone d) {
            keptReceipts.remove(d.id());
        }
    }

    /**
     * Carries out committed publications a crash interrupted (their work file is still there), and makes every
     * journaled publication's rename durable, since the journal is about to be rewritten without them.
     */
    private void rollForward(List<JournalOp.Publish> published) throws IOException {
        Set<Path> directories = new LinkedHashSet<>();
        for (JournalOp.Publish publication : published) {
            SafeFileName name;
            try {
                name = SafeFileName.parse(publication.name());
            } catch (RejectedFileException e) {
                continue;
            }
            Path target = realFilesDir.resolve(publication.name());
            if (!Files.exists(dataFile(publication.seq()), LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isDirectory(target.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                    directories.add(target.getParent());
                }
                continue;
            }
            try {
                FileLocation location = placeOne(name, publication.seq(), null);
                directories.add(location.dir());
                String identity = identity(location.target()).orElse(null);
                current.put(publication.name(), new CurrentFile(publication.size(), publication.sha256(), identity,
                        publication.version()));
                log.info("Finished publishing {} ({} bytes), interrupted before the last stop", name,
                        publication.size());
            } catch (RejectedFileException e) {
                log.error("Could not finish publishing '{}' after a restart: {}", publication.name(), e.getMessage());
                Files.deleteIfExists(dataFile(publication.seq()));
                current.remove(publication.name());
                keptReceipts.values().removeIf(receipt -> receipt.publication == publication.seq());
            }
        }
        for (Path directory : directories) {
            DurableFiles.syncDirectory(directory);
        }
    }

    /** Reopens a journaled transfer, cutting its data file back to the journaled length. */
    private LiveTransfer reopen(TransferState state, Instant now) throws IOException {
        SafeFileName name;
        try {
            name = SafeFileName.parse(state.name);
        } catch (RejectedFileException e) {
            return null;
        }
        Path data = dataFile(state.seq);
        boolean intact = Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS) && Files.size(data) >= state.dataLength();
        for (int index : state.stagedIndexes()) {
            Path chunk = chunkFile(state.seq, index);
            intact &= Files.isRegularFile(chunk, LinkOption.NOFOLLOW_LINKS) && Files.size(chunk) == state.size(index);
        }
        if (!intact) {
            log.warn("The held chunks of {} are not all on disk as the journal says; the transfer is dropped and the "
                    + "file waits for its next transfer", name);
            addOp(new JournalOp.Discard(state.name));
            return null;
        }
        FileKind kind = name.hasSuffix(settings.configSuffixes()) ? FileKind.CONFIG : FileKind.DATA;
        LiveTransfer transfer = new LiveTransfer(state, name, kind, now);
        transfer.data = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        transfer.data.truncate(state.dataLength());
        transfer.digest = TransferIntegrity.newSha256();
        copyPrefix(transfer.data, null, state.dataLength(), transfer.digest);
        return transfer;
    }

    /** Removes every work file no journaled transfer holds. */
    private void rollBack(Set<Path> keep) throws IOException {
        boolean removed = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workDir)) {
            for (Path entry : entries) {
                if (!keep.contains(entry)) {
                    DurableFiles.deleteRecursively(entry);
                    removed = true;
                }
            }
        }
        if (removed) {
            DurableFiles.syncDirectory(workDir);
        }
    }

    private List<JournalOp> snapshot() {
        List<JournalOp> ops = new ArrayList<>();
        ops.add(new JournalOp.NextSeq(nextSeq));
        applied.forEach((partition, next) -> ops.add(new JournalOp.Offset(partition.topic(), partition.partition(),
                next)));
        current.forEach((name, file) -> ops.add(new JournalOp.Current(name, file.size(), file.sha256(),
                file.identity(), file.version())));
        keptReceipts.values().forEach(receipt -> ops.add(receipt.op()));
        for (LiveTransfer transfer : transfers.values()) {
            TransferState state = transfer.state;
            ops.add(new JournalOp.Begin(state.name, state.seq, state.total, state.transferId, state.expectedLength,
                    state.expectedSha256, state.version));
            for (int index = 1; index <= state.contiguous(); index++) {
                ops.add(new JournalOp.Chunk(state.name, index, state.size(index), true));
            }
            for (int index : state.stagedIndexes()) {
                ops.add(new JournalOp.Chunk(state.name, index, state.size(index), false));
            }
            ops.add(new JournalOp.Mark(state.name, state.isAmbiguous(), state.resent()));
        }
        return ops;
    }

    /** Rewrites the journal as {@code snapshot}, the state right after the round that was just committed. */
    private void compact(List<JournalOp> snapshot) throws IOException {
        hook.reached("compaction:start");
        syncPlacedDirectories();
        Journal old = journal;
        journal = Journal.create(old.path(), snapshot);
        journalBytes = journal.size();
        old.close();
        hook.reached("compaction:done");
    }

    // ---------------------------------------------------------------- helpers

    private void addOp(JournalOp op) {
        pendingOps.add(op);
        pendingChanges = true;
    }

    private boolean sameBytes(LiveTransfer transfer, int index, byte[] content) throws IOException {
        if (transfer.state.size(index) != content.length) {
            return false;
        }
        ByteBuffer held = ByteBuffer.allocate(content.length);
        if (transfer.state.isStaged(index)) {
            try (FileChannel in = DurableFiles.openForReading(chunkFile(transfer.state.seq, index))) {
                readFully(in, held, 0);
            }
        } else {
            readFully(transfer.data, held, transfer.state.start(index));
        }
        return Arrays.equals(held.array(), content);
    }

    /** Copies (and hashes) the first {@code length} bytes of {@code source} into {@code target}'s data file. */
    private static void copyPrefix(FileChannel source, LiveTransfer target, long length) throws IOException {
        copyPrefix(source, target.data, length, target.digest);
    }

    private static void copyPrefix(FileChannel source, FileChannel target, long length, MessageDigest digest)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER);
        long position = 0;
        while (position < length) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), length - position));
            int read = source.read(buffer, position);
            if (read <= 0) {
                throw new IOException("unexpected end of a work file at byte " + position + " of " + length);
            }
            buffer.flip();
            digest.update(buffer.duplicate());
            if (target != null) {
                writeAt(target, buffer, position);
            }
            position += read;
        }
    }

    private static int writeAt(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        int length = buffer.remaining();
        DurableFiles.writeFully(channel, buffer, position);
        return length;
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = in.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of a work file");
            }
            at += read;
        }
    }

    /**
     * A replaced file's successor keeps its mode, and its group where the worker may set it (the worker's user
     * is the resolver's or in its group); a new file gets {@code files.mode}.
     */
    private void setOwnership(Path data, PosixFileAttributes previous) throws IOException {
        try {
            Files.setPosixFilePermissions(data, previous != null ? previous.permissions() : settings.newFileMode());
            if (previous != null) {
                try {
                    Files.getFileAttributeView(data, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setGroup(previous.group());
                } catch (IOException e) {
                    log.debug("Could not give {} the group {} of the file it replaces: {}", data, previous.group(),
                            e.toString());
                }
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own defaults apply
        }
    }

    private static Optional<String> identity(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return Optional.of(attributes.size() + "/" + attributes.lastModifiedTime().toInstant() + "/"
                    + attributes.fileKey());
        } catch (NoSuchFileException e) {
            return Optional.empty();
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

    private Path dataFile(long seq) {
        return workDir.resolve("t" + seq + ".data");
    }

    private Path chunkFile(long seq, int index) {
        return workDir.resolve("t" + seq + ".c" + index);
    }


    /** The shared rules ({@link ConfigFileValidator}, also the publisher's), on the assembled file. */
    private void validateConfig(SafeFileName name, Path file) throws RejectedFileException, IOException {
        try (FileChannel channel = DurableFiles.openForReading(file)) {
            configValidator.validate(name.value(), channel);
        } catch (InvalidConfigFileException e) {
            throw new RejectedFileException(e.tooLarge() ? RejectedFileException.Kind.TOO_LARGE
                    : RejectedFileException.Kind.INVALID_CONFIG, e.getMessage());
        }
    }

    private static RejectedFileException tooLarge(FileKind kind, SafeFileName name, long size, long limit) {
        return new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, (kind == FileKind.CONFIG
                ? "config file " : "file ") + name + " has " + size + " bytes, more than the limit of " + limit
                + "; what was held of it is discarded");
    }

    /** Tests compact small journals to reach that step. */
    void compactAfter(long bytes) {
        this.compactAfterBytes = bytes;
    }

    /** The work directory, for tests. */
    Path workDir() {
        return workDir;
    }

    /**
     * Releases the lock and open files without writing anything: what is not committed is rolled back by the
     * next {@link #open}. Used both for a clean stop (after a final {@link #commit()}) and to abandon the store
     * after an I/O failure.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (commitThread != null) {
            commitThread.shutdown();
            try {
                if (!commitThread.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    log.warn("A commit of the file store did not end within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (LiveTransfer transfer : transfers.values()) {
            try {
                transfer.data.close();
            } catch (IOException e) {
                log.debug("Closing a work file failed: {}", e.toString());
            }
        }
        for (FileChannel channel : closeAfterRound) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("Closing a work file failed: {}", e.toString());
            }
        }
        if (syncPool != null) {
            syncPool.shutdownNow();
        }
        try {
            if (journal != null) {
                journal.close();
            }
        } catch (IOException e) {
            log.debug("Closing the journal failed: {}", e.toString());
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            log.debug("Releasing the lock failed: {}", e.toString());
        }
    }
}
