package io.github.kresconnect.filesink;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.metrics.KafkaPluginMetrics;
import io.github.kresconnect.filesink.metrics.RejectionReason;
import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;
import io.github.kresconnect.filesink.record.InvalidRecordException;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.store.PreparedFile;
import io.github.kresconnect.filesink.store.PublishOutcome;
import io.github.kresconnect.filesink.store.RejectedFileException;
import io.github.kresconnect.filesink.store.StoreSettings;

/**
 * Thin orchestration: record → file part → staged → assembled and validated → notification persisted →
 * published → offset safe to commit. Every record is handled to the end (on disk and fsync'd, or
 * deliberately skipped or rejected) before put() moves to the next one.
 */
public class ResolverFileSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(ResolverFileSinkTask.class);

    private final NotifierFactory notifierFactory;
    private final Clock clock;

    private FilePartReader reader;
    private FileStore store;
    private ChangeNotifier notifier;
    private RejectedRecords rejected;
    private IoRetryBackoff ioBackoff;
    private SinkMetrics metrics;

    /**
     * Offsets (next to read) of records whose effect is durable or that were deliberately skipped or
     * rejected. Only these are committed: a crash before the commit redelivers the rest, and handling a
     * record again is harmless (chunks overwrite themselves, identical files are not replaced).
     */
    private final Map<TopicPartition, OffsetAndMetadata> safeOffsets = new HashMap<>();

    public ResolverFileSinkTask() {
        this(NotifierFactory.DEFAULT, Clock.systemUTC());
    }

    ResolverFileSinkTask(NotifierFactory notifierFactory, Clock clock) {
        this.notifierFactory = notifierFactory;
        this.clock = clock;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        ResolverFileSinkConfig config = new ResolverFileSinkConfig(props);
        metrics = new SinkMetrics();
        metrics.registerJmx(props.getOrDefault("name", "resolver-file-sink"));
        KafkaPluginMetrics.register(context, metrics);
        reader = new FilePartReader(config.recipientMode(), config.hostname(), config.zoneIds(),
                config.chunksMaxCount());
        store = new FileStore(config.filesDir(), new StoreSettings(config.configSuffixes(), config.fileMaxBytes(),
                config.configMaxBytes(), config.chunksStaleAfter()), clock);
        try {
            store.recover();
            notifier = notifierFactory.create(config, metrics.managerRequestListener());
        } catch (IOException e) {
            throw new org.apache.kafka.connect.errors.ConnectException(
                    "cannot prepare files directory " + config.filesDir() + ": " + e.getMessage(), e);
        }
        rejected = RejectedRecords.from(context, props);
        ioBackoff = new IoRetryBackoff(config.ioRetryBackoff(), config.ioRetryBackoffMax());
        log.info("Resolver file sink started: files.dir={}, recipient.mode={}, resolver.hostname={}, zone ids={}",
                config.filesDir(), config.recipientMode().configValue(), config.hostname(), config.zoneIds());
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        try {
            for (SinkRecord record : records) {
                handle(record);
                markSafe(record);
            }
            for (String name : store.expireStaleChunkSets()) {
                metrics.staleChunkSetDiscarded();
                log.warn("Discarded the incomplete chunk set of '{}': no chunk arrived for too long", name);
            }
            ioBackoff.reset();
        } catch (IOException e) {
            Duration wait = ioBackoff.next();
            metrics.ioRetry();
            log.warn("I/O failure while writing files ({}); the batch is delivered again in {} ms",
                    e.toString(), wait.toMillis());
            context.timeout(wait.toMillis());
            throw new RetriableException("I/O failure while writing files: " + e.getMessage(), e);
        }
    }

    private void handle(SinkRecord record) throws IOException {
        Optional<FilePart> part;
        try {
            part = reader.read(record);
        } catch (InvalidRecordException e) {
            reject(record, RejectionReason.INVALID_RECORD, e);
            return;
        }
        if (part.isEmpty()) {
            metrics.recordSkipped();
            log.debug("Skipped {} (another recipient)", where(record));
            return;
        }
        try {
            write(record, part.get());
        } catch (RejectedFileException e) {
            reject(record, RejectionReason.of(e.kind()), e);
        }
    }

    private void reject(SinkRecord record, RejectionReason reason, Exception e) {
        metrics.recordRejected(reason);
        rejected.report(record, e);
    }

    private void write(SinkRecord record, FilePart part) throws IOException, RejectedFileException {
        Optional<PreparedFile> prepared = part.isWholeFile()
                ? Optional.of(store.prepareWholeFile(part.fileName(), part.content()))
                : store.stageChunk(part.fileName(), part.chunkIndex(), part.totalChunks(), part.content());
        if (!part.isWholeFile()) {
            metrics.chunkStaged();
        }
        if (prepared.isEmpty()) {
            log.debug("Staged {} from {}", part, where(record));
            return;
        }
        PreparedFile file = prepared.get();
        if (file.changesCurrentFile()) {
            // Persisted before the rename: a crash after it still leads to the reload/renew.
            notifier.fileChanging(file.kind());
        }
        PublishOutcome outcome = file.publish();
        notifier.filesPublished();
        if (outcome == PublishOutcome.PUBLISHED) {
            metrics.filePublished(file.size(), clock.millis());
            log.info("Published '{}' ({} bytes, {}) from {}", file.name(), file.size(), file.kind(), where(record));
        } else {
            metrics.fileUnchanged();
            log.info("'{}' from {} equals the current file; nothing replaced", file.name(), where(record));
        }
    }

    private void markSafe(SinkRecord record) {
        safeOffsets.put(new TopicPartition(record.topic(), record.kafkaPartition()),
                new OffsetAndMetadata(record.kafkaOffset() + 1));
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // Commit only what put() finished with; never Connect's view of what was merely delivered.
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition partition : currentOffsets.keySet()) {
            OffsetAndMetadata safe = safeOffsets.get(partition);
            if (safe != null) {
                commit.put(partition, safe);
            }
        }
        return commit;
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(safeOffsets::remove);
    }

    @Override
    public void stop() {
        if (notifier != null) {
            notifier.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    /** The task's counters; the same values are in JMX. */
    SinkMetrics metrics() {
        return metrics;
    }

    static String where(SinkRecord record) {
        return FilePartReader.describe(record);
    }
}
