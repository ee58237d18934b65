package io.github.kresconnect.filesink.receipts;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;

/**
 * The connector's side of receipts: turns what the task and the notifier saw into receipts and hands them to a
 * {@link ReceiptSender}. Every method returns at once; {@link #NONE} does nothing (receipts.topic empty).
 */
public class TaskReceipts implements AutoCloseable {
    public static final TaskReceipts NONE = new TaskReceipts();

    private final ReceiptSender sender;
    private final String host;
    private final String machine;
    private final String connector;
    private final String version;
    private final LongSupplier clock;

    private TaskReceipts() {
        this(null, "", "", "", "", () -> 0);
    }

    public TaskReceipts(ReceiptSender sender, String host, String machine, String connector, String version,
            LongSupplier epochMillis) {
        this.sender = sender;
        this.host = host;
        this.machine = machine;
        this.connector = connector;
        this.version = version;
        this.clock = epochMillis;
    }

    public boolean enabled() {
        return sender != null;
    }

    /** A file a round put in place. */
    public void published(String file, long length, String sha256, SinkRecord source) {
        file(Receipt.PUBLISHED, file, length, sha256, source, null, null);
    }

    /** A complete file equal to the one in place. */
    public void unchanged(String file, long length, String sha256, SinkRecord source) {
        file(Receipt.UNCHANGED, file, length, sha256, source, null, null);
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

    /** A transfer in progress dropped without being published. */
    public void discarded(String file, String reason) {
        if (!enabled()) {
            return;
        }
        offer(new Receipt(Receipt.KIND_FILE, host, machine, file, -1, null, null, -1, Receipt.DISCARDED, reason,
                null, null, null, null, clock.getAsLong(), null, -1, -1, connector, version));
    }

    /** A request to the manager and how it went; the ETags are null where they could not be read. */
    public void manager(ManagerRequest request, boolean accepted, String etagBefore, String etagAfter,
            String failure) {
        if (!enabled()) {
            return;
        }
        offer(new Receipt(Receipt.KIND_MANAGER, host, machine, null, -1, null, null, -1,
                accepted ? Receipt.ACCEPTED : Receipt.FAILED, failure, null, request.word(), etagBefore, etagAfter,
                clock.getAsLong(), null, -1, -1, connector, version));
    }

    private void file(String outcome, String file, long length, String sha256, SinkRecord source, String reason,
            String reasonCode) {
        if (!enabled()) {
            return;
        }
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
        offer(new Receipt(Receipt.KIND_FILE, host, machine, file, length, sha256, transferId, fileVersion, outcome,
                reason, reasonCode, null, null, null, clock.getAsLong(), topic, partition, offset, connector,
                version));
    }

    private void offer(Receipt receipt) {
        sender.offer(receipt);
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

    @Override
    public void close() {
        if (sender != null) {
            sender.close();
        }
    }
}
