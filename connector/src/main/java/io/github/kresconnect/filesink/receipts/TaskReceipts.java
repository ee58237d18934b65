package io.github.kresconnect.filesink.receipts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.notify.ChangedFile;
import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.store.KeptReceipt;

/**
 * The connector's side of receipts: turns what the task and the notifier saw into receipts and hands them to a
 * {@link ReceiptSender}. Every method returns at once; {@link #NONE} does nothing (receipts.topic empty).
 *
 * <p>Receipts are at least once across crashes: a file's receipt is kept by the {@link FileStore} in the same
 * journal entry as the effect it reports (a publication, or the offset of a record found unchanged, rejected or
 * whose transfer was discarded), a manager request's receipt in a {@link ReceiptOutbox} before the request's
 * owed state is cleared; both are forgotten once the receipts topic acknowledged them, and sent again after a
 * restart otherwise. The store is used on the task's thread only: acknowledgements wait in a queue until
 * {@link #applySettled()}.
 */
public class TaskReceipts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskReceipts.class);

    public static final TaskReceipts NONE = new TaskReceipts();

    private final ReceiptSender sender;
    private final String host;
    private final String machine;
    private final String connector;
    private final String version;
    private final LongSupplier clock;
    private final Path filesDir;
    /** Kept receipts the sender settled, for the store, on the task's thread. */
    private final Queue<KeptReceipt> settled = new ConcurrentLinkedQueue<>();
    /** The open store (task's thread), or null while there is none. */
    private FileStore store;
    private volatile ReceiptOutbox outbox;

    private TaskReceipts() {
        this(null, "", "", "", "", () -> 0, null);
    }

    public TaskReceipts(ReceiptSender sender, String host, String machine, String connector, String version,
            LongSupplier epochMillis) {
        this(sender, host, machine, connector, version, epochMillis, null);
    }

    /** @param filesDir where manager receipts are kept until sent; null: not kept across a crash */
    public TaskReceipts(ReceiptSender sender, String host, String machine, String connector, String version,
            LongSupplier epochMillis, Path filesDir) {
        this.sender = sender;
        this.host = host;
        this.machine = machine;
        this.connector = connector;
        this.version = version;
        this.clock = epochMillis;
        this.filesDir = filesDir;
    }

    public boolean enabled() {
        return sender != null;
    }

    /**
     * The store was opened: the receipts it kept from before (a crash, a stop before they were sent) are sent
     * now; with receipts off, they are forgotten. On first use, the manager receipts kept from before too.
     */
    public void attach(FileStore opened) {
        List<KeptReceipt> kept = opened.keptReceipts();
        if (!enabled()) {
            if (!kept.isEmpty()) {
                kept.forEach(opened::acknowledge);
                log.info("Forgot {} receipt(s) kept from before the last stop: receipts are off", kept.size());
            }
            return;
        }
        store = opened;
        if (!kept.isEmpty()) {
            log.info("Sending {} receipt(s) kept from before the last stop", kept.size());
        }
        kept.forEach(this::offerKept);
        if (outbox == null && filesDir != null) {
            try {
                ReceiptOutbox opening = ReceiptOutbox.open(filesDir);
                outbox = opening;
                for (Receipt receipt : opening.held()) {
                    sender.offer(receipt, () -> opening.remove(receipt));
                }
            } catch (IOException e) {
                log.warn("Could not read the manager receipts kept in {} ({}); new ones are sent without being kept",
                        filesDir, e.toString());
            }
        }
    }

    /** The store is closed (abandoned after an I/O failure, or stopping). */
    public void detach() {
        store = null;
    }

    /** Forgets in the store what the topic acknowledged (or the queue dropped) meanwhile; on the task's thread. */
    public void applySettled() {
        KeptReceipt receipt;
        while ((receipt = settled.poll()) != null) {
            if (store != null) {
                store.acknowledge(receipt); // one kept by an earlier opening of the store is ignored there
            }
        }
    }

    /** The file a round is about to publish, as a request to the manager names it. */
    public static ChangedFile changedFile(String file, String sha256, Object source) {
        if (!(source instanceof SinkRecord record)) {
            return new ChangedFile(file, null, -1, sha256);
        }
        return new ChangedFile(file, header(record, ProtocolHeaders.TRANSFER_ID).orElse(null),
                header(record, ProtocolHeaders.FILE_VERSION).map(TaskReceipts::parseLong).orElse(-1L), sha256);
    }

    /** The receipt of a file the coming round publishes, for the store to keep with it; null when off. */
    public FileStore.ReceiptContent published(String file, long length, String sha256, SinkRecord source) {
        if (!enabled()) {
            return null;
        }
        EncodedReceipt receipt = EncodedReceipt.of(fileReceipt(Receipt.PUBLISHED, file, length, sha256, source, null,
                null));
        return new FileStore.ReceiptContent(receipt.key(), receipt.value());
    }

    /** Sends kept receipts: those of the files a round put in place. */
    public void send(List<KeptReceipt> receipts) {
        if (enabled()) {
            receipts.forEach(this::offerKept);
        }
    }

    /** Sends a kept receipt as the store holds it: encoded once, when it was made. */
    private void offerKept(KeptReceipt kept) {
        sender.offer(new EncodedReceipt(kept.key(), kept.value()), () -> settled.add(kept));
    }

    /**
     * What the store did with a record's file part, and the transfers it dropped meanwhile: the receipts of one
     * record that was not rejected (a rejected record has {@link #rejected} alone, whose reason covers what it
     * dropped). A file completed has its receipt once the round puts it in place ({@link #published}).
     */
    public void handled(SinkRecord record, FilePart part, FileStore.Applied applied,
            List<FileStore.Discarded> discarded) {
        if (!enabled()) {
            return;
        }
        discarded.forEach(this::discarded);
        if (applied == FileStore.Applied.UNCHANGED) {
            long length = -1;
            String sha256 = null;
            if (part.integrity() != null) {
                length = part.integrity().length();
                sha256 = part.integrity().sha256Hex();
            } else if (part.isWholeFile()) {
                length = part.content().length;
                sha256 = TransferIntegrity.sha256Hex(TransferIntegrity.newSha256().digest(part.content()));
            }
            file(Receipt.UNCHANGED, part.fileName(), length, sha256, record, null, null);
        }
    }

    /** A record that can never be handled, with the reason. */
    public void rejected(SinkRecord source, String reasonCode, String reason) {
        if (!enabled()) {
            return;
        }
        String file = header(source, ProtocolHeaders.FILE_NAME)
                .orElse(source.key() instanceof String key ? key : null);
        long length = header(source, ProtocolHeaders.FILE_LENGTH).map(TaskReceipts::parseLong).orElse(-1L);
        file(Receipt.REJECTED, file, length, header(source, ProtocolHeaders.FILE_SHA256).orElse(null), source,
                reason, reasonCode);
    }

    /** A transfer in progress dropped without being published (by no record: it went stale). */
    public void discarded(FileStore.Discarded transfer) {
        if (!enabled()) {
            return;
        }
        keep(new Receipt(Receipt.KIND_FILE, host, machine, transfer.name(), -1, null, null, -1, Receipt.DISCARDED,
                transfer.reason(), null, null, null, null, clock.getAsLong(), null, -1, -1, connector, version));
    }

    /** A request to the manager and how it went; the ETags are null where they could not be read. */
    public void manager(ManagerRequest request, boolean accepted, String etagBefore, String etagAfter,
            String failure) {
        manager(request, List.of(), accepted, etagBefore, etagAfter, failure);
    }

    /** As the other {@code manager}, with the files the request was for. */
    public void manager(ManagerRequest request, List<ChangedFile> files, boolean accepted, String etagBefore,
            String etagAfter, String failure) {
        if (!enabled()) {
            return;
        }
        Receipt receipt = new Receipt(Receipt.KIND_MANAGER, host, machine, null, -1, null, null, -1,
                accepted ? Receipt.ACCEPTED : Receipt.FAILED, failure, null, request.word(), etagBefore, etagAfter,
                clock.getAsLong(), null, -1, -1, connector, version, files.stream()
                        .map(f -> new Receipt.RequestFile(f.name(), f.transferId(), f.version(), f.sha256())).toList());
        ReceiptOutbox kept = outbox;
        if (kept == null) {
            sender.offer(receipt);
            return;
        }
        try {
            kept.add(receipt);
        } catch (IOException e) {
            log.warn("Could not keep the receipt of the {} request in the files directory ({}); it is sent without "
                    + "being kept", request.word(), e.toString());
            sender.offer(receipt);
            return;
        }
        sender.offer(receipt, () -> kept.remove(receipt));
    }

    /**
     * What the newest freshness statement says of this host, sent when it changes (not kept across a crash: the
     * state is evaluated, and reported, again after a start).
     *
     * @param sequence the statement's sequence, or -1 for none
     * @param expiresAt its expiry, or -1
     * @param withheld the files withheld, each with the version stated
     */
    public void freshness(String outcome, long sequence, long expiresAt, List<Receipt.RequestFile> withheld,
            String description) {
        if (!enabled()) {
            return;
        }
        sender.offer(new Receipt(Receipt.KIND_FRESHNESS, host, machine, null, -1, null, null, sequence, outcome,
                description, null, null, null, null, clock.getAsLong(), null, -1, -1, connector, version, withheld,
                expiresAt));
    }

    private void file(String outcome, String file, long length, String sha256, SinkRecord source, String reason,
            String reasonCode) {
        if (!enabled()) {
            return;
        }
        keep(fileReceipt(outcome, file, length, sha256, source, reason, reasonCode));
    }

    private Receipt fileReceipt(String outcome, String file, long length, String sha256, SinkRecord source,
            String reason, String reasonCode) {
        String transferId = source == null ? null : header(source, ProtocolHeaders.TRANSFER_ID).orElse(null);
        long fileVersion = source == null ? -1
                : header(source, ProtocolHeaders.FILE_VERSION).map(TaskReceipts::parseLong).orElse(-1L);
        String topic = null;
        int partition = -1;
        long offset = -1;
        if (source != null) {
            topic = originalTopic(source);
            partition = originalPartition(source);
            offset = originalOffset(source);
        }
        return new Receipt(Receipt.KIND_FILE, host, machine, file, length, sha256, transferId, fileVersion, outcome,
                reason, reasonCode, null, null, null, clock.getAsLong(), topic, partition, offset, connector,
                version);
    }

    /**
     * A receipt of what the record being handled did: kept by the store with the round that commits the record's
     * offset, and offered now (a crash before that round delivers the record, and makes its receipt, again).
     */
    private void keep(Receipt receipt) {
        FileStore open = store;
        if (open == null) {
            sender.offer(receipt);
            return;
        }
        EncodedReceipt encoded = EncodedReceipt.of(receipt);
        KeptReceipt kept = open.keepReceipt(encoded.key(), encoded.value());
        sender.offer(encoded, kept == null ? null : () -> settled.add(kept));
    }

    /** A header's text, best effort: receipts describe what a record said even when it is malformed. */
    static Optional<String> header(SinkRecord record, String name) {
        Header last = record.headers().lastWithName(name);
        if (last == null || last.value() == null) {
            return Optional.empty();
        }
        Object value = last.value();
        if (value instanceof byte[] bytes) {
            return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        }
        if (value instanceof ByteBuffer buffer) {
            return Optional.of(StandardCharsets.UTF_8.decode(buffer.duplicate()).toString());
        }
        return Optional.of(value.toString());
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String originalTopic(SinkRecord record) {
        try {
            return record.originalTopic();
        } catch (NoSuchMethodError e) {
            return record.topic();
        }
    }

    private static int originalPartition(SinkRecord record) {
        try {
            return record.originalKafkaPartition();
        } catch (NoSuchMethodError e) {
            return record.kafkaPartition();
        }
    }

    private static long originalOffset(SinkRecord record) {
        try {
            return record.originalKafkaOffset();
        } catch (NoSuchMethodError e) {
            return record.kafkaOffset();
        }
    }

    /** Lets queued receipts go out for up to the close timeout; the kept ones not sent are sent after a start. */
    @Override
    public void close() {
        if (sender != null) {
            sender.close();
        }
    }
}
