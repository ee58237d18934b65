package io.github.kresconnect.filesink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.config.UnknownSettings;
import io.github.kresconnect.filesink.freshness.TaskFreshness;
import io.github.kresconnect.filesink.metrics.KafkaPluginMetrics;
import io.github.kresconnect.filesink.metrics.RejectionReason;
import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.notify.ChangedFile;
import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;
import io.github.kresconnect.filesink.receipts.TaskReceipts;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;
import io.github.kresconnect.filesink.record.InvalidRecordException;
import io.github.kresconnect.filesink.store.FileKind;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.store.HostConditionException;
import io.github.kresconnect.filesink.store.RejectedFileException;
import io.github.kresconnect.filesink.store.StoreDamagedException;
import io.github.kresconnect.filesink.store.SourcePartition;
import io.github.kresconnect.filesink.store.StoreLockedException;
import io.github.kresconnect.filesink.store.StoreSettings;
import io.github.kresconnect.filesink.verify.SignatureRejectedException;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/**
 * Thin orchestration: record → file part → applied to the store → group commit (durable with its offset,
 * then published) → notification → offset handed to Connect.
 *
 * <p>Offsets. The store keeps, in the same journal entry as the effects, the next offset of every source
 * partition it has applied; it is the single source of truth. {@link #open} seeks each partition to it,
 * {@link #put} skips records before it (redeliveries), {@link #preCommit} returns exactly it. Partitions are
 * keyed by the record's original topic, partition and offset, so a topic-renaming transform changes nothing.
 *
 * <p>Failures. A record that can never be handled is rejected: to the error reporter with
 * {@code errors.tolerance=all}, or fails the task with {@code none}, as Connect defines it. A failure of the
 * files directory itself (disk full, I/O error, missing, unwritable) is the environment's: the store is
 * abandoned, delivery is paused and rewound to the last durable offsets, and retried with backoff for as long
 * as it lasts; nothing is skipped or committed meanwhile.
 */
public class ResolverFileSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(ResolverFileSinkTask.class);
    private static final Logger timeline = LoggerFactory.getLogger(FileStore.TIMELINE_LOGGER);
    /** Up to this many publications in one round are logged one line each; more are summarised. */
    private static final int PUBLICATIONS_LOGGED_EACH = 5;
    /**
     * How soon Connect is asked to call put() again while a round is still running: to report it, and to start the
     * next round with what was applied meanwhile, even when no further record arrives.
     */
    private static final long REPORT_POLL_MS = 5;
    /**
     * Within a batch, every this many records the store's writer is handed the small files applied so far and a
     * round starts if none runs ({@link FileStore#groupCommit}), as at the batch's end: the writer need not wait for
     * a batch of hundreds of files to be read whole before it writes the first, nor the next round for its end.
     */
    static final int GROUP_COMMIT_EVERY = 32;

    private final NotifierFactory notifierFactory;
    private final ReceiptsFactory receiptsFactory;
    private final Clock clock;
    private TaskReceipts receipts = TaskReceipts.NONE;

    private ResolverFileSinkConfig config;
    private StoreSettings storeSettings;
    private FilePartReader reader;
    private SignatureVerifier signatures;
    private TaskFreshness freshness;
    private TaskRevocation revocation;
    private ChangeNotifier notifier;
    private RejectedRecords rejected;
    private boolean tolerateAll;
    private SinkMetrics metrics;

    /** Open while the files directory works; null while its failure is being waited out. */
    private FileStore store;
    /** When to try the files directory again while it fails, and what to log and count meanwhile. */
    private FilesDirectoryOutage outage;
    /** The last durable next-offsets, kept while the store is closed. */
    private final Map<TopicPartition, Long> durable = new HashMap<>();
    /** First offset handled since the last commit, for partitions the store has no durable offset of yet. */
    private final Map<TopicPartition, Long> firstUncommitted = new HashMap<>();
    /** Where open() sought each partition, until its first record shows whether the log still holds it. */
    private final Map<TopicPartition, Long> sought = new HashMap<>();
    /** Where delivery was rewound to while failing. */
    private final Map<TopicPartition, Long> rewound = new HashMap<>();

    public ResolverFileSinkTask() {
        this(NotifierFactory.DEFAULT, Clock.systemUTC());
    }

    ResolverFileSinkTask(NotifierFactory notifierFactory, Clock clock) {
        this(notifierFactory, ReceiptsFactory.DEFAULT, clock);
    }

    ResolverFileSinkTask(NotifierFactory notifierFactory, ReceiptsFactory receiptsFactory, Clock clock) {
        this.notifierFactory = notifierFactory;
        this.receiptsFactory = receiptsFactory;
        this.clock = clock;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new ResolverFileSinkConfig(props);
        UnknownSettings.warn(props);
        metrics = new SinkMetrics(clock::millis);
        metrics.registerJmx(props.getOrDefault("name", "resolver-file-sink"));
        outage = new FilesDirectoryOutage(config.filesDir(), config.ioRetryBackoff(), config.ioRetryBackoffMax(), clock,
                metrics);
        KafkaPluginMetrics.register(context, metrics);
        reader = new FilePartReader(config.recipientMode(), config.hostname(), config.zoneIds(),
                config.chunksMaxCount());
        signatures = new SignatureVerifier(config.signaturesTrustedKeys(), config.signaturesRequired(),
                config.signaturesFleet(), List.copyOf(config.configSuffixes()), config.signaturesConfigThreshold(),
                SignatureVerifier.DEFAULT_CACHE_ENTRIES);
        storeSettings = new StoreSettings(config.configSuffixes(), config.fileMaxBytes(), config.configMaxBytes(),
                config.chunksStaleAfter(), config.filesMode());
        rejected = RejectedRecords.from(context, props);
        tolerateAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        receipts = receiptsFactory.create(config, props.getOrDefault("name", "resolver-file-sink"), metrics, clock);
        revocation = new TaskRevocation(signatures);
        freshness = new TaskFreshness(config, signatures, metrics, receipts, clock);
        if (receipts.enabled()) {
            log.info("Receipts: to topic '{}' ({}) at {}", config.receiptsTopicOfThisHost(),
                    config.receiptsTopicMode().word(), config.receiptsBootstrapServers());
        }
        try {
            openStore();
        } catch (IOException e) {
            failed(e);
        }
        log.info("Resolver file sink started: files.dir={}, recipient.mode={}, resolver.hostname={}, zone ids={}, "
                + "errors.tolerance={}", config.filesDir(), config.recipientMode().configValue(), config.hostname(),
                config.zoneIds(), tolerateAll ? "all" : "none");
        log.info("Signatures: signatures.required={}, signatures.fleet='{}', trusted keys {}{}",
                config.signaturesRequired(), config.signaturesFleet(), signatures.trustedKeys().stream()
                        .map(key -> key.id() + " [" + key.scope() + "]").toList(),
                config.signaturesConfigThreshold() > 1 ? ", signatures.config.threshold="
                        + config.signaturesConfigThreshold() + " (keys a configuration file needs)" : "");
    }

    /**
     * Opens the notifier and the store (recovering what a crash left; the notifier hears of files the recovery put
     * in place). A second writer on the files directory is a condition of the host, waited out like an I/O failure
     * (the previous worker may still be stopping); a journal that lost committed data stops the task.
     */
    private void openStore() throws IOException {
        if (notifier == null) {
            notifier = notifierFactory.create(config, ManagerRequestListener.both(
                    metrics.managerRequestListener(), receiptsListener()));
        }
        FileStore opened;
        try {
            opened = FileStore.open(config.filesDir(), storeSettings, clock, FileStore.StepHook.NONE, storeListener());
        } catch (StoreLockedException e) {
            throw new HostConditionException(e.getMessage());
        } catch (StoreDamagedException e) {
            throw new ConnectException(e.getMessage(), e);
        }
        store = opened;
        revocation.restore(store);
        receipts.attach(opened);
        durable.clear();
        store.durableOffsets().forEach((partition, next) -> durable.put(topicPartition(partition), next));
        freshness.restore(store);
    }

    private FileStore.Listener storeListener() {
        return new FileStore.Listener() {
            @Override
            public void beforePublishing(FileKind kind, List<FileStore.Publication> files,
                    Consumer<Path> syncWithRound) throws IOException {
                // The files are for the manager receipts only: without receipts, the owed state stays one word,
                // written only when it changes. Their lines go to disk with the round's data.
                notifier.fileChanging(kind, !receipts.enabled() ? List.of() : files.stream()
                        .map(file -> TaskReceipts.changedFile(file.name(), file.sha256(), file.source())).toList(),
                        syncWithRound);
            }

            @Override
            public void afterPublishing() {
                notifier.filesPublished();
            }

            @Override
            public FileStore.ReceiptContent receiptOf(FileStore.Publication publication) {
                return receipts.published(publication.name(), publication.size(), publication.sha256(),
                        (SinkRecord) publication.source());
            }
        };
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        Set<String> assignedTopics = new java.util.TreeSet<>();
        context.assignment().forEach(partition -> assignedTopics.add(partition.topic()));
        partitions.forEach(partition -> assignedTopics.add(partition.topic()));
        ResolverFileSinkConfig.unassignedTopicsWarning(config.layoutTopics(), assignedTopics).ifPresent(log::warn);
        Map<TopicPartition, Long> seek = new HashMap<>();
        for (TopicPartition partition : partitions) {
            Long next = durable.get(partition);
            if (next != null) {
                seek.put(partition, next);
            }
        }
        if (!seek.isEmpty()) {
            log.info("Resuming from the offsets the files directory has applied: {}", seek);
            context.offset(seek);
            sought.putAll(seek);
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (!records.isEmpty()) {
            timeline.debug("Batch of {} records", records.size());
        }
        if (store == null && !reopen(records)) {
            return;
        }
        try {
            receipts.applySettled();
            int sinceGroupCommit = 0;
            for (SinkRecord record : records) {
                TopicPartition partition = sourcePartition(record);
                long offset = sourceOffset(record);
                SourcePartition source = new SourcePartition(partition.topic(), partition.partition());
                Long expected = sought.remove(partition);
                if (expected != null && offset < expected) {
                    // Connect seeks where open() asked before it fetches: a lower offset means the log no longer
                    // holds that position (the topic was deleted and created again, or truncated).
                    log.warn("Partition {} delivered offset {} right after a seek to {}, the offset this host had "
                            + "applied up to: its log was recreated or truncated. Its records are applied from here; "
                            + "files already in place are replaced only by newer content", partition, offset, expected);
                    store.forgetOffset(source);
                    durable.remove(partition); // what was durable of the old log says nothing of the new one
                    rejected.awaitReported();
                    report(store.commit()); // so that no reopen or restart goes back to the old log's offset
                }
                if (store.isApplied(source, offset)) {
                    metrics.recordRedelivered();
                    continue;
                }
                firstUncommitted.putIfAbsent(partition, offset);
                handle(record);
                store.markApplied(source, offset);
                if (++sinceGroupCommit == GROUP_COMMIT_EVERY) {
                    sinceGroupCommit = 0;
                    groupCommit();
                }
            }
            report(store.drainRounds());
            // After the drain: a round that ended since the last put() is reported, and the next one started now.
            // Were the drain last, a round ending between the two would leave these publications with no round
            // running and no timeout asked for below, waiting for the next record or offset commit.
            groupCommit();
            boolean roundToReport = store.isCommitting() || store.hasUnreported();
            if (roundToReport) {
                // Poll again soon, so what the round publishes is logged, counted and reported, and the next round
                // started, promptly even when no further record arrives (Connect would otherwise wait until the
                // next offset commit).
                context.timeout(REPORT_POLL_MS);
            }
            store.expireStale().forEach(name -> metrics.staleChunkSetDiscarded());
            countDiscarded().forEach(receipts::discarded);
            long due = freshness.evaluate();
            if (due != Long.MAX_VALUE && !roundToReport) {
                context.timeout(due + 1); // put() again when an expiry or a grace ends, not only at the next commit
            }
        } catch (IOException e) {
            failed(e, records);
        } catch (UncheckedIOException | DirectoryIteratorException e) {
            failed(ioCause(e), records);
        }
    }

    /**
     * Starts a round with what is applied when none runs; while one runs, what arrives meanwhile is applied and goes
     * into the next.
     */
    private void groupCommit() throws IOException {
        if (store.hasPendingPublications()) {
            rejected.awaitReported(); // a rejected record's offset is committed only once its report is
            store.groupCommit();
        }
    }

    /** The I/O failure inside the unchecked wrappers that the JDK's file APIs throw. */
    private static IOException ioCause(RuntimeException e) {
        return e.getCause() instanceof IOException io ? io : new IOException(e);
    }

    private void handle(SinkRecord record) throws IOException {
        Object value = record.value();
        if (value != null && !(value instanceof byte[]) && !(value instanceof ByteBuffer)) {
            throw new ConnectException("Record " + where(record) + " has a value of type "
                    + value.getClass().getSimpleName() + ", not bytes: the worker's value converter decodes files. Set "
                    + "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter (in the worker or the "
                    + "connector config) and restart; no record was skipped or committed because of this");
        }
        if (TaskFreshness.isStatement(record)) {
            try {
                freshness.handle(record, store, where(record));
            } catch (InvalidRecordException e) {
                reject(record, RejectionReason.INVALID_RECORD, e);
            } catch (SignatureRejectedException e) {
                reject(record, RejectionReason.BAD_SIGNATURE, e);
            }
            return;
        }
        Optional<FilePart> part;
        try {
            part = reader.read(record);
        } catch (InvalidRecordException e) {
            reject(record, RejectionReason.INVALID_RECORD, e);
            return;
        }
        if (part.isEmpty()) {
            metrics.recordSkipped();
            if (log.isDebugEnabled()) {
                log.debug("Skipped {} (another recipient)", where(record));
            }
            return;
        }
        try { // before the store: it sees a signature only once verified
            part = Optional.of(signatures.check(part.get(),
                    part.get().signed() == null ? null : reader.recipient(record).orElse(null)));
        } catch (SignatureRejectedException | InvalidRecordException e) {
            reject(record, RejectionReason.BAD_SIGNATURE, e);
            return;
        }
        if (TaskRevocation.isRevocationList(part.get())) {
            revocation.apply(record, part.get(), store, this::reject);
            return;
        }
        FileStore.Applied applied;
        try {
            applied = store.apply(part.get(),
                    part.get().signed() == null ? FileStore.UNVERSIONED : part.get().signed().version(), record);
        } catch (RejectedFileException e) {
            countDiscarded(); // the rejection says why: no receipt of their own
            reject(record, RejectionReason.of(e.kind()), e);
            return;
        }
        receipts.handled(record, part.get(), applied, countDiscarded());
        if (!part.get().isWholeFile() && applied != FileStore.Applied.DUPLICATE) {
            metrics.chunkStaged();
        }
        switch (applied) {
            case UNCHANGED -> {
                metrics.fileUnchanged();
                log.info("'{}' from {} equals the current file; nothing replaced", part.get().fileName(),
                        where(record));
            }
            case WAITING -> metrics.transferAmbiguous();
            case SUPERSEDED -> metrics.transferDiscarded();
            default -> {
            }
        }
        if (log.isDebugEnabled()) { // where() builds a quoted string: not for every record at the shipped level
            switch (applied) {
                case STAGED -> log.debug("Held {} from {}", part.get(), where(record));
                case DUPLICATE -> log.debug("{} from {} is already held; nothing changed", part.get(), where(record));
                case COMPLETED -> log.debug("Completed {} from {}", part.get(), where(record));
                default -> {
                }
            }
        }
    }

    /** The transfers the store dropped since it was last asked, counted. */
    private List<FileStore.Discarded> countDiscarded() {
        List<FileStore.Discarded> discarded = store.takeDiscarded();
        discarded.forEach(transfer -> metrics.transferDiscarded());
        return discarded;
    }

    /** Under errors.tolerance=all to the error reporter; under none, Connect's meaning: the task stops. */
    private void reject(SinkRecord record, RejectionReason reason, Exception e) throws IOException {
        metrics.recordRejected(reason);
        receipts.rejected(record, reason.metricSuffix(), e.getMessage());
        if (tolerateAll) {
            rejected.report(record, e);
            return;
        }
        rejected.awaitReported();
        report(store.commit()); // what came before is kept
        throw new ConnectException("Rejected record " + where(record) + ": " + e.getMessage() + ". With "
                + "errors.tolerance=none the task stops at a record that can never be handled; fix or remove it, or set "
                + "errors.tolerance=all with a dead letter queue to set such records aside", e);
    }

    /** Logs and counts what finished rounds published, and rejects what they could not. */
    private void report(FileStore.Round round) throws IOException {
        if (round.committed()) {
            metrics.commitRound();
        }
        long now = clock.millis();
        int count = round.published().size();
        receipts.send(round.receipts());
        for (FileStore.Publication publication : round.published()) {
            metrics.filePublished(publication.size(), now);
            freshness.published(publication.name(), store);
            String line = "Published '{}' ({} bytes, {}, SHA-256 {}) from {}";
            Object[] args = {publication.name(), publication.size(), publication.kind(), publication.sha256(),
                where((SinkRecord) publication.source())};
            if (count <= PUBLICATIONS_LOGGED_EACH) {
                log.info(line, args);
            } else {
                log.debug(line, args);
            }
        }
        if (count > PUBLICATIONS_LOGGED_EACH) {
            log.info("Published {} files in one round, from '{}' to '{}' (each at DEBUG)", count,
                    round.published().get(0).name(), round.published().get(count - 1).name());
        }
        for (FileStore.FailedPublication failure : round.failed()) {
            reject((SinkRecord) failure.source(), RejectionReason.of(failure.reason().kind()), failure.reason());
        }
        durableFromStore();
    }

    private void durableFromStore() {
        store.durableOffsets().forEach((partition, next) -> durable.put(topicPartition(partition), next));
        firstUncommitted.keySet().removeIf(durable::containsKey);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // Only what the store has made durable; never Connect's view of what was merely delivered.
        if (store != null) {
            try {
                receipts.applySettled();
                rejected.awaitReported();
                report(store.commit());
            } catch (IOException e) {
                failed(e, java.util.List.of());
            } catch (UncheckedIOException | DirectoryIteratorException e) {
                failed(ioCause(e), java.util.List.of());
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition partition : currentOffsets.keySet()) {
            Long next = durable.get(partition);
            if (next != null) {
                commit.put(partition, new OffsetAndMetadata(next));
            }
        }
        return commit;
    }

    // ---------------------------------------------------------------- failures of the files directory

    private void failed(IOException e) {
        failed(e, java.util.List.of());
    }

    /**
     * Abandons the store (its next opening rolls back what was not committed), rewinds every partition to
     * what is durable, pauses delivery and schedules a retry.
     */
    private void failed(IOException e, Collection<SinkRecord> batch) {
        if (store != null) {
            durableFromStore(); // rounds that committed before the failure count
            closeStore();
        }
        // Every partition goes back to what is durable: what was applied after it is gone with the store.
        Map<TopicPartition, Long> rewind = new LinkedHashMap<>(durable);
        firstUncommitted.forEach(rewind::putIfAbsent);
        for (SinkRecord record : batch) {
            TopicPartition partition = sourcePartition(record);
            rewind.putIfAbsent(partition, durable.getOrDefault(partition, sourceOffset(record)));
        }
        firstUncommitted.clear();
        rewindTo(rewind);
        Set<TopicPartition> assigned = context.assignment();
        if (assigned != null && !assigned.isEmpty()) {
            context.pause(assigned.toArray(TopicPartition[]::new));
        }
        context.timeout(outage.failed(e));
    }

    /** While failing: true once the store is open again. Records delivered meanwhile are refetched later. */
    private boolean reopen(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            TopicPartition partition = sourcePartition(record);
            if (!rewound.containsKey(partition) && !durable.containsKey(partition)) {
                rewindTo(Map.of(partition, sourceOffset(record)));
            }
        }
        long wait = outage.millisUntilRetry();
        if (wait > 0) {
            context.timeout(wait);
            return false;
        }
        try {
            openStore();
        } catch (IOException e) {
            failed(e, records);
            return false;
        } catch (UncheckedIOException | DirectoryIteratorException e) {
            failed(ioCause(e), records);
            return false;
        }
        outage.recovered();
        Map<TopicPartition, Long> seek = new HashMap<>(rewound);
        durable.forEach(seek::put);
        rewound.clear();
        Set<TopicPartition> assigned = context.assignment();
        if (assigned != null) {
            seek.keySet().retainAll(assigned);
            rewindTo(seek);
            sought.putAll(seek); // as after open(): a lower offset first means the log was recreated
            context.resume(assigned.toArray(TopicPartition[]::new));
        }
        rewound.clear();
        return false; // this batch is delivered again from the rewound offsets
    }

    private void rewindTo(Map<TopicPartition, Long> wanted) {
        Map<TopicPartition, Long> offsets = new HashMap<>(wanted);
        Set<TopicPartition> assigned = context.assignment();
        if (assigned != null && !assigned.isEmpty()) {
            offsets.keySet().retainAll(assigned); // the consumer can seek only what it is assigned
        }
        if (!offsets.isEmpty()) {
            context.offset(offsets);
            rewound.putAll(offsets);
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(partition -> {
            sought.remove(partition);
            firstUncommitted.remove(partition);
            rewound.remove(partition);
        });
    }

    @Override
    public void stop() {
        if (store != null) {
            try {
                rejected.awaitReported();
                receipts.send(store.commit().receipts());
            } catch (IOException | RuntimeException e) {
                log.warn("Could not make the last records durable while stopping ({}); they are delivered again after "
                        + "the next start", e.toString());
                closeStore();
            }
        }
        if (notifier != null) {
            notifier.close();
        }
        receipts.close(); // lets queued receipts go out for up to receipts.close.timeout.ms
        if (store != null) {
            try {
                receipts.applySettled();
                store.commit(); // what was acknowledged is not sent again after the next start
            } catch (IOException | RuntimeException e) {
                log.debug("Could not journal the acknowledged receipts while stopping ({}); they may be sent once "
                        + "more after the next start", e.toString());
            }
            closeStore();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    /** Lets the store go: closed, and receipts no longer kept in it. */
    private void closeStore() {
        store.close();
        store = null;
        receipts.detach();
    }

    /** Receipts of the manager's answers. */
    private ManagerRequestListener receiptsListener() {
        return new ManagerRequestListener() {

            @Override
            public void outcome(ManagerRequest request, boolean accepted, Optional<String> etagBefore,
                    Optional<String> etagAfter, String failure) {
                outcome(request, List.of(), accepted, etagBefore, etagAfter, failure);
            }

            @Override
            public void outcome(ManagerRequest request, List<ChangedFile> files, boolean accepted,
                    Optional<String> etagBefore, Optional<String> etagAfter, String failure) {
                receipts.manager(request, files, accepted, etagBefore.orElse(null), etagAfter.orElse(null),
                        failure);
            }
        };
    }

    /** The task's counters; the same values are in JMX. */
    SinkMetrics metrics() {
        return metrics;
    }

    static String where(SinkRecord record) {
        return FilePartReader.describe(record);
    }

    /** The partition the record was read from, before any transform renamed its topic. */
    static TopicPartition sourcePartition(SinkRecord record) {
        try {
            return new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
        } catch (NoSuchMethodError e) {
            return new TopicPartition(record.topic(), record.kafkaPartition()); // workers before Kafka 3.6
        }
    }

    static long sourceOffset(SinkRecord record) {
        try {
            return record.originalKafkaOffset();
        } catch (NoSuchMethodError e) {
            return record.kafkaOffset();
        }
    }

    private static TopicPartition topicPartition(SourcePartition partition) {
        return new TopicPartition(partition.topic(), partition.partition());
    }
}
