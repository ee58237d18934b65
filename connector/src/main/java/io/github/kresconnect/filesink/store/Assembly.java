package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.ConfigFileValidator;
import io.github.kresconnect.filesink.protocol.InvalidConfigFileException;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * Assembles records into files: decides with {@link TransferRules} which transfer a chunk belongs to, writes it
 * into the transfer's work files, checks a completed file (digest, configuration syntax, version, the file in
 * place) and queues it for the next round. Every change of state is an operation handed to {@code emit}; the
 * open work files and running digests of transfers in progress are kept here, next to the state they follow.
 */
final class Assembly implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    /** Whole data files up to this size are written by the store's writer thread (see {@link WorkWriter}). */
    private static final int INLINE_MAX_BYTES = 256 * 1024;
    /** At most this many bytes of such files are handed to the writer between two rounds. */
    private static final long INLINE_BUDGET_BYTES = 32L * 1024 * 1024;
    /** A large file's data starts going to disk in the background every this many bytes. */
    private static final long EARLY_WRITEBACK_BYTES = 16L * 1024 * 1024;
    private static final int COPY_BUFFER = 64 * 1024;

    /** The open work file and running digest of a transfer in progress. */
    private static final class Open {
        final SafeFileName name;
        final FileKind kind;
        final FileLocation location;
        final FileChannel data;
        final Hasher.Digest digest;
        long unsyncedBytes;
        Instant lastActivity;

        Open(SafeFileName name, FileKind kind, FileLocation location, FileChannel data, Instant now,
                Hasher.Digest digest) {
            this.name = name;
            this.kind = kind;
            this.location = location;
            this.data = data;
            this.digest = digest;
            this.lastActivity = now;
        }
    }

    private final StoreState state;
    private final Consumer<JournalOp> emit;
    private final Supplier<NextRound> round;
    private final WorkFiles work;
    private final Placement placement;
    private final SyncPool syncPool;
    private final WorkWriter writer;
    private final Hasher hasher;
    private final StoreSettings settings;
    private final Clock clock;
    private final FileStore.StepHook hook;
    private final ConfigFileValidator configValidator;
    private final Map<String, Open> open = new LinkedHashMap<>();
    private final List<FileStore.Discarded> discarded = new ArrayList<>();
    private final Settle settle;
    private final VersionPolicy versions;

    /** Commits what is applied and waits for every round, so that no publication is pending. */
    @FunctionalInterface
    interface Settle {
        void run() throws IOException;
    }

    Assembly(StoreState state, Consumer<JournalOp> emit, Supplier<NextRound> round, WorkFiles work,
            Placement placement, SyncPool syncPool, WorkWriter writer, Hasher hasher, StoreSettings settings,
            Clock clock, FileStore.StepHook hook, Settle settle) {
        this.settle = settle;
        this.hasher = hasher;
        this.state = state;
        this.versions = new VersionPolicy(state);
        this.emit = emit;
        this.round = round;
        this.work = work;
        this.placement = placement;
        this.syncPool = syncPool;
        this.writer = writer;
        this.settings = settings;
        this.clock = clock;
        this.hook = hook;
        this.configValidator = new ConfigFileValidator(settings.maxConfigBytes());
    }

    FileStore.Applied apply(FilePart part, long version, Object source) throws RejectedFileException, IOException {
        SafeFileName name = SafeFileName.parse(part.fileName());
        FileKind kind = kindOf(name);
        long limit = kind == FileKind.CONFIG ? settings.maxConfigBytes() : settings.maxFileBytes();
        int index = part.chunkIndex();
        int total = part.totalChunks();
        byte[] content = part.content();
        TransferIntegrity integrity = part.integrity();
        if (total < 1 || index < 1 || index > total) {
            throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk " + index + " of "
                    + total + " of " + name + " is out of range (chunks are numbered 1.." + total + ")");
        }
        versions.refuseOlder(name, version); // before anything held is touched: a refused record never discards
        TransferState held = state.transfer(name.value());
        TransferRules.Decision decision = TransferRules.decide(held, index, total, integrity, part.timestamp(),
                state.stamp(name.value()), settings.transferGap(), i -> sameBytes(name.value(), i, content));
        switch (decision.verdict()) {
            case DUPLICATE -> {
                emit.accept(new JournalOp.Repeat(name.value(), index));
                open.get(name.value()).lastActivity = clock.instant();
                return FileStore.Applied.DUPLICATE;
            }
            case REFUSE -> throw new RejectedFileException(RejectedFileException.Kind.INCONSISTENT_CHUNKS, "chunk "
                    + index + " of " + name + " is refused: " + decision.reason());
            case LEFTOVER -> {
                log.info("Chunk {} of {} set aside: {}", index, name, decision.reason());
                return FileStore.Applied.SUPERSEDED;
            }
            case NEW_TRANSFER -> {
                discard(name.value(), decision.reason(), true);
                held = null;
            }
            case REWIND -> {
                log.info("{}: {}", name, decision.reason());
                discarded.add(new FileStore.Discarded(name.value(), "a new transfer of the same file began"));
                held = rewind(name.value(), decision.keep());
            }
            case JOIN -> {
            }
        }
        if (held == null && total == 1 && kind == FileKind.DATA && content.length <= INLINE_MAX_BYTES
                && round.get().inlineBytes + content.length <= INLINE_BUDGET_BYTES) {
            return applyWhole(name, content, integrity, version, source, limit);
        }
        if (held == null) {
            long announced = integrity != null ? integrity.length() : content.length;
            if (Math.max(announced, content.length) > limit) {
                throw tooLarge(kind, name, Math.max(announced, content.length), limit); // before any directory
            }
            held = begin(name, kind, total, integrity, version);
        }
        long bytesHeld = held.bytesHeld() + content.length;
        boolean withId = held.transferId != null;
        if (bytesHeld > limit) {
            if (!withId) {
                discard(name.value(), "it grew beyond the size limit", false);
            }
            throw tooLarge(kind, name, bytesHeld, limit);
        }
        if (withId && held.expectedLength >= 0 && bytesHeld > held.expectedLength) {
            throw new RejectedFileException(RejectedFileException.Kind.DIGEST_MISMATCH, "chunk " + index + " of "
                    + "transfer " + held.transferId + " of " + name + " would make it " + bytesHeld + " bytes, more "
                    + "than its announced length of " + held.expectedLength + "; the chunk is refused and the "
                    + "transfer goes on");
        }
        Open handle = open.get(name.value());
        if (held.isInOrderNext(index)) {
            append(handle, index, content, part.timestamp());
            absorbStaged(handle);
        } else {
            stage(handle, index, content, part.timestamp());
        }
        handle.lastActivity = clock.instant();
        hook.reached("apply:chunk-written");
        return state.transfer(name.value()).isComplete() ? complete(handle, source) : FileStore.Applied.STAGED;
    }

    /**
     * A small whole data file: its work file is written on the store's writer thread while this thread goes on
     * with the next records, and the round that commits it waits for that write.
     */
    private FileStore.Applied applyWhole(SafeFileName name, byte[] content, TransferIntegrity integrity,
            long version, Object source, long limit) throws RejectedFileException, IOException {
        if (content.length > limit) {
            throw tooLarge(FileKind.DATA, name, content.length, limit);
        }
        FileLocation location = placement.resolveWritable(name);
        String sha256 = HexFormat.of().formatHex(TransferIntegrity.newSha256().digest(content));
        if (integrity != null && (integrity.length() != content.length || !integrity.sha256Hex().equals(sha256))) {
            throw digestMismatch(integrity, name, content.length, sha256);
        }
        hook.reached("apply:whole-held");
        if (isInPlace(name, content.length, sha256)) {
            return FileStore.Applied.UNCHANGED;
        }
        versions.refuseNotNewer(name, version, sha256);
        long seq = state.nextSeq();
        emit.accept(new JournalOp.Publish(name.value(), seq, content.length, sha256, version));
        NextRound next = round.get();
        next.publications.add(new NextRound.Publication(name, FileKind.DATA, seq, content.length, sha256, source,
                location, writer.write(work.data(seq), content)));
        next.inlineBytes += content.length;
        next.workDirChanged = true;
        return FileStore.Applied.COMPLETED;
    }

    private TransferState begin(SafeFileName name, FileKind kind, int total, TransferIntegrity integrity,
            long version) throws RejectedFileException, IOException {
        FileLocation location = placement.resolveWritable(name);
        long seq = state.nextSeq();
        Path data = work.data(seq);
        FileChannel channel = placement.createData(data);
        open.put(name.value(), new Open(name, kind, location, channel, clock.instant(), hasher.newSha256()));
        emit.accept(new JournalOp.Begin(name.value(), seq, total, integrity == null ? null : integrity.transferId(),
                integrity == null ? -1 : integrity.length(), integrity == null ? null : integrity.sha256Hex(),
                version));
        NextRound next = round.get();
        next.workDirChanged = true;
        next.written(data);
        return state.transfer(name.value());
    }

    private void append(Open handle, int index, byte[] content, long timestamp) throws IOException {
        TransferState held = state.transfer(handle.name.value());
        writeData(handle, held.seq, ByteBuffer.wrap(content), held.dataLength());
        emit.accept(new JournalOp.Chunk(handle.name.value(), index, content.length, true, timestamp));
    }

    private void stage(Open handle, int index, byte[] content, long timestamp) throws IOException {
        TransferState held = state.transfer(handle.name.value());
        Path chunk = work.chunk(held.seq, index);
        try (FileChannel out = DurableFiles.createNew(chunk)) {
            DurableFiles.writeFully(out, ByteBuffer.wrap(content));
        }
        NextRound next = round.get();
        next.workDirChanged = true;
        next.written(chunk);
        boolean wasAmbiguous = held.isAmbiguous();
        emit.accept(new JournalOp.Chunk(handle.name.value(), index, content.length, false, timestamp));
        if (state.transfer(handle.name.value()).isAmbiguous() && !wasAmbiguous) {
            log.warn("Chunk {} of {} arrived out of order while chunks of the file were held, and the records carry "
                    + "neither a transfer id nor a timestamp: an abandoned transfer and a new one cannot be told apart, "
                    + "so this set will not be published; the file waits for its next transfer", index, handle.name);
        }
    }

    /** Appends staged chunks that now follow the data in order, hashing them as they are copied. */
    private void absorbStaged(Open handle) throws IOException {
        TransferState held = state.transfer(handle.name.value());
        int index;
        while ((index = held.absorbable()) > 0) {
            Path chunk = work.chunk(held.seq, index);
            long position = held.dataLength();
            try (FileChannel in = DurableFiles.openForReading(chunk)) {
                ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER);
                while (in.read(buffer) > 0) {
                    buffer.flip();
                    int length = buffer.remaining();
                    writeData(handle, held.seq, buffer, position);
                    position += length;
                    buffer = ByteBuffer.allocate(COPY_BUFFER); // the one just written is hashed later, unchanged
                }
            }
            emit.accept(new JournalOp.Absorb(handle.name.value(), index));
            hook.reached("apply:absorbed");
            round.get().garbage(chunk);
        }
    }

    /**
     * The one way bytes reach a transfer's data file: hashed (on the store's hasher, so {@code buffer}'s bytes must
     * not change afterwards), written at {@code position}, and marked for the next round's sync, whichever round the
     * file began in.
     */
    private void writeData(Open handle, long seq, ByteBuffer buffer, long position) throws IOException {
        int length = buffer.remaining();
        handle.digest.update(buffer);
        DurableFiles.writeFully(handle.data, buffer, position);
        round.get().written(work.data(seq));
        handle.unsyncedBytes += length;
        if (handle.unsyncedBytes >= EARLY_WRITEBACK_BYTES) {
            handle.unsyncedBytes = 0;
            syncPool.startWriteback(handle.data);
        }
    }

    /** A new transfer whose first {@code keep} chunks equal the held ones: they are copied to a new data file. */
    private TransferState rewind(String name, int keep) throws IOException {
        Open old = open.get(name);
        TransferState oldState = state.transfer(name);
        long seq = state.nextSeq();
        Path data = work.data(seq);
        Open handle = new Open(old.name, old.kind, old.location, placement.createData(data), clock.instant(),
                hasher.newSha256());
        long length = oldState.rewound(keep, seq).dataLength();
        copyPrefix(old.data, length, handle.data, handle.digest);
        NextRound next = round.get();
        next.workDirChanged = true;
        next.written(data);
        dropFiles(name, oldState);
        emit.accept(new JournalOp.Rewind(name, keep, seq));
        open.put(name, handle);
        return state.transfer(name);
    }

    private FileStore.Applied complete(Open handle, Object source) throws RejectedFileException, IOException {
        String name = handle.name.value();
        TransferState held = state.transfer(name);
        String sha256 = handle.digest.hex();
        long size = held.dataLength();
        if (held.expectedSha256 != null && (size != held.expectedLength || !sha256.equals(held.expectedSha256))) {
            discard(name, "its length or SHA-256 does not match its headers", false);
            throw digestMismatch(new TransferIntegrity(held.transferId, held.expectedLength, held.expectedSha256),
                    handle.name, size, sha256);
        }
        if (held.isAmbiguous()) {
            discard(name, "its chunks may come from two transfers (out of order, no transfer id, no timestamps)",
                    true);
            return FileStore.Applied.WAITING;
        }
        if (handle.kind == FileKind.CONFIG) {
            try {
                validateConfig(handle.name, work.data(held.seq));
            } catch (RejectedFileException e) {
                discard(name, "it is not a valid configuration file", false);
                throw e;
            }
        }
        if (held.transferId == null && held.hasStamps()) {
            emit.accept(new JournalOp.Stamp(name, held.newestStamp())); // its late copies are leftovers
        }
        if (isInPlace(handle.name, size, sha256)) {
            discard(name, null, false);
            return FileStore.Applied.UNCHANGED;
        }
        try {
            versions.refuseNotNewer(handle.name, held.version, sha256);
        } catch (RejectedFileException e) {
            discard(name, "it replays the version in place with other content", false);
            throw e;
        }
        open.remove(name);
        handle.data.close(); // its bytes are written; the round syncs the file by name
        emit.accept(new JournalOp.Publish(name, held.seq, size, sha256, held.version));
        round.get().publications.add(new NextRound.Publication(handle.name, handle.kind, held.seq, size, sha256,
                source, handle.location, null));
        return FileStore.Applied.COMPLETED;
    }

    /**
     * The file the store put at {@code name} has this content, nothing newer is pending, and it is untouched. The
     * same content as a publication still pending waits for its round: whether it is then in place, or was
     * dropped and must be published again, is known only then.
     */
    private boolean isInPlace(SafeFileName name, long size, String sha256) throws IOException {
        StoreState.Pending pending = state.pendingOf(name.value());
        if (pending != null && pending.size() == size && pending.sha256().equals(sha256)) {
            settle.run();
        }
        StoreState.PlacedFile known = state.placed(name.value());
        return known != null && known.size() == size && known.sha256().equals(sha256)
                && state.pendingOf(name.value()) == null && placement.isInPlace(name, known);
    }

    // ---------------------------------------------------------------- discarding

    /** Drops transfers idle for longer than the stale time (time while stopped does not count). */
    List<String> expireStale() {
        Instant now = clock.instant();
        List<String> expired = new ArrayList<>();
        for (Open handle : List.copyOf(open.values())) {
            if (Duration.between(handle.lastActivity, now).compareTo(settings.staleAfter()) > 0) {
                discard(handle.name.value(), "no chunk arrived for " + settings.staleAfter().toMillis() + " ms", true);
                expired.add(handle.name.value());
            }
        }
        return expired;
    }

    /**
     * Drops the transfer of {@code name}; {@code warn}: the log says so (else the record's rejection is the one line
     * the operator needs); a null reason: it completed as the file in place, nothing is reported.
     */
    private void discard(String name, String reason, boolean warn) {
        TransferState held = state.transfer(name);
        if (warn) {
            log.warn("Discarded the incomplete transfer of {} ({} of {} chunks held): {}", SafeFileName.quote(name),
                    held.contiguous(), held.total, reason);
        } else if (reason != null) {
            log.debug("Discarded the transfer of {} with its rejected record: {}", SafeFileName.quote(name), reason);
        }
        dropFiles(name, held);
        emit.accept(new JournalOp.Discard(name));
        if (reason != null) {
            discarded.add(new FileStore.Discarded(name, reason));
        }
    }

    /** Closes the transfer's data file; its work files go once the round that forgets them is committed. */
    private void dropFiles(String name, TransferState held) {
        Open handle = open.remove(name);
        if (handle != null) {
            closeQuietly(handle.data);
        }
        NextRound next = round.get();
        next.garbage(work.data(held.seq));
        for (int index : held.stagedIndexes()) {
            next.garbage(work.chunk(held.seq, index));
        }
    }

    List<FileStore.Discarded> takeDiscarded() {
        if (discarded.isEmpty()) {
            return List.of();
        }
        List<FileStore.Discarded> taken = List.copyOf(discarded);
        discarded.clear();
        return taken;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Reopens a replayed transfer, cutting its data file back to the journaled length (bytes after it were never
     * committed) and hashing what stays; a transfer whose files are not all there is discarded.
     */
    boolean reopen(TransferState held, Instant now) throws IOException {
        SafeFileName name;
        try {
            name = SafeFileName.parse(held.name);
        } catch (RejectedFileException e) {
            emit.accept(new JournalOp.Discard(held.name));
            return false;
        }
        Path data = work.data(held.seq);
        boolean intact = Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS) && Files.size(data) >= held.dataLength();
        for (int index : held.stagedIndexes()) {
            Path chunk = work.chunk(held.seq, index);
            intact &= Files.isRegularFile(chunk, LinkOption.NOFOLLOW_LINKS) && Files.size(chunk) == held.size(index);
        }
        if (!intact) {
            log.warn("The held chunks of {} are not all on disk as the journal says; the transfer is dropped and the "
                    + "file waits for its next transfer", name);
            emit.accept(new JournalOp.Discard(held.name));
            return false;
        }
        FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        Open handle = new Open(name, kindOf(name), null, channel, now, hasher.newSha256());
        try {
            channel.truncate(held.dataLength());
            copyPrefix(channel, held.dataLength(), null, handle.digest);
        } catch (IOException e) {
            closeQuietly(channel);
            throw e;
        }
        open.put(held.name, handle);
        return true;
    }

    /** The work files transfers in progress hold. */
    List<Path> heldFiles() {
        List<Path> files = new ArrayList<>();
        for (TransferState held : state.transfers()) {
            files.add(work.data(held.seq));
            for (int index : held.stagedIndexes()) {
                files.add(work.chunk(held.seq, index));
            }
        }
        return files;
    }

    @Override
    public void close() {
        open.values().forEach(handle -> closeQuietly(handle.data));
        open.clear();
    }

    // ---------------------------------------------------------------- helpers

    FileKind kindOf(SafeFileName name) {
        return name.hasSuffix(settings.configSuffixes()) ? FileKind.CONFIG : FileKind.DATA;
    }

    private boolean sameBytes(String name, int index, byte[] content) throws IOException {
        TransferState held = state.transfer(name);
        if (held.size(index) != content.length) {
            return false;
        }
        ByteBuffer bytes = ByteBuffer.allocate(content.length);
        if (held.isStaged(index)) {
            try (FileChannel in = DurableFiles.openForReading(work.chunk(held.seq, index))) {
                readFully(in, bytes, 0);
            }
        } else {
            readFully(open.get(name).data, bytes, held.start(index));
        }
        return Arrays.equals(bytes.array(), content);
    }

    /** Hashes the first {@code length} bytes of {@code source}, copying them into {@code target} unless null. */
    private static void copyPrefix(FileChannel source, long length, FileChannel target, Hasher.Digest digest)
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
            digest.updateNow(buffer);
            if (target != null) {
                DurableFiles.writeFully(target, buffer, position);
            }
            position += read;
        }
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

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("Closing a work file failed: {}", e.toString());
        }
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

    private static RejectedFileException digestMismatch(TransferIntegrity integrity, SafeFileName name, long size,
            String sha256) {
        return new RejectedFileException(RejectedFileException.Kind.DIGEST_MISMATCH, "transfer "
                + integrity.transferId() + " of " + name + " assembled " + size + " bytes with SHA-256 " + sha256
                + ", but its headers announced " + integrity.length() + " bytes with SHA-256 "
                + integrity.sha256Hex() + "; nothing is published");
    }

    private static RejectedFileException tooLarge(FileKind kind, SafeFileName name, long size, long limit) {
        return new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, (kind == FileKind.CONFIG
                ? "config file " : "file ") + name + " has " + size + " bytes, more than the limit of " + limit
                + "; what was held of it is discarded");
    }
}
