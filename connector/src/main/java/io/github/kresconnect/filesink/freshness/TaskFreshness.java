package io.github.kresconnect.filesink.freshness;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;

import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.receipts.Receipt;
import io.github.kresconnect.filesink.receipts.TaskReceipts;
import io.github.kresconnect.filesink.record.InvalidRecordException;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.verify.SignatureRejectedException;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/**
 * The task's side of freshness statements: reads a statement record ({@link StatementReader}), hands its stated
 * versions to the store (durable with its offset) and to the monitor ({@link FreshnessMonitor}), whose changes of
 * state become metrics and receipts; restores both when the store opens; says when the task should look again (an
 * expiry or a grace ending). The task only routes statement records here and rejects what this refuses.
 */
public final class TaskFreshness {
    private static final Logger log = LoggerFactory.getLogger(TaskFreshness.class);

    private final StatementReader statements;
    private final FreshnessMonitor monitor;
    private final SinkMetrics metrics;
    private final Clock clock;
    private boolean warnedUnverifiable;

    public TaskFreshness(ResolverFileSinkConfig config, SignatureVerifier signatures, SinkMetrics metrics,
            TaskReceipts receipts, Clock clock) {
        this.statements = new StatementReader(signatures, config.signaturesRequired(), config.recipientMode(),
                config.hostname(), config.zoneIds());
        this.metrics = metrics;
        this.clock = clock;
        this.monitor = new FreshnessMonitor(config.freshnessWithheldAfterMs(), config.freshnessRequired(),
                metrics::freshness, change -> {
                    if (change.state() == FreshnessMonitor.State.NONE) {
                        return; // no statement, none expected: nothing to report
                    }
                    receipts.freshness(change.state().word(),
                            change.statement() == null ? -1 : change.statement().sequence(),
                            change.statement() == null ? -1 : change.statement().expiresAt(),
                            change.withheld().stream()
                                    .map(w -> new Receipt.RequestFile(w.file(), null, w.stated(), null)).toList(),
                            change.description());
                });
    }

    /** Whether the record is a freshness statement rather than a file part. */
    public static boolean isStatement(SinkRecord record) {
        return StatementReader.isStatement(record);
    }

    /** The store (re)opened: the statement and minimums it kept become the monitor's again. */
    public void restore(FileStore store) {
        store.statement().ifPresent(seen -> metrics.freshnessStatement(seen.sequence(), seen.expiresAt()));
        monitor.restore(store.statement(), store.statedMinimums(), store::heldVersion, clock.millis());
    }

    /**
     * A freshness statement: verified, and when newer than the last one accepted, its versions for this host
     * become minimums in the store (durable with its offset) and the monitor compares them with the files held.
     * Copies of a statement (one per partition) and older statements are skipped without verifying them again.
     *
     * @param where the record's place, for log lines
     * @throws InvalidRecordException when it is malformed: the task rejects it
     * @throws SignatureRejectedException when its key or signature is refused: the task rejects it
     */
    public void handle(SinkRecord record, FileStore store, String where) throws IOException, InvalidRecordException,
            SignatureRejectedException {
        long known = store.statement().map(FileStore.StatementSeen::sequence).orElse(-1L);
        StatementReader.ForThisHost read;
        try {
            read = statements.read(record, known);
        } catch (StatementReader.Unverifiable e) {
            metrics.recordSkipped();
            if (!warnedUnverifiable) {
                warnedUnverifiable = true;
                log.warn("{} at {} (once per task; signatures.required=false)", e.getMessage(), where);
            }
            return;
        }
        if (read == null) {
            metrics.recordSkipped();
            log.debug("Freshness statement at {} is a copy of, or older than, statement {} accepted", where, known);
            return;
        }
        FreshnessStatement statement = read.statement();
        FileStore.StatementSeen seen = new FileStore.StatementSeen(statement.sequence(), statement.issuedAt(),
                statement.expiresAt());
        store.acceptStatement(seen, read.versions());
        metrics.freshnessStatementAccepted(seen.sequence(), seen.expiresAt());
        monitor.accepted(seen, read.versions(), store::heldVersion, clock.millis());
        log.info("Accepted freshness statement {} from {}: {} file(s) of this host, expires {}", seen.sequence(),
                where, read.versions().size(), Instant.ofEpochMilli(seen.expiresAt()));
    }

    /**
     * Looks at the state again (an expiry or a grace may have ended).
     *
     * @return ms until it should be looked at again, {@link Long#MAX_VALUE} when nothing is due
     */
    public long evaluate() {
        long now = clock.millis();
        monitor.evaluate(now);
        return monitor.millisUntilDue(now);
    }

    /** A file was published: a file behind its stated version may have caught up. */
    public void published(String name, FileStore store) {
        if (monitor.anyBehind()) {
            monitor.published(name, store.heldVersion(name));
        }
    }
}
