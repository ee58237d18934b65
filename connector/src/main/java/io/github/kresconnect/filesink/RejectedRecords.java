package io.github.kresconnect.filesink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.connect.errors.ConnectException;

import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where records go that can never be handled under errors.tolerance=all: the log (with topic, partition, offset
 * and reason) and the worker's errant record reporter (the dead letter queue). The reporter sends asynchronously;
 * {@link #awaitReported()} waits until every report so far was taken, and the task calls it before any round
 * that commits offsets, so a crash never loses a dead letter whose record's offset is committed. (Under
 * errors.tolerance=none the task stops at such a record instead; this class is not used then.)
 */
final class RejectedRecords {
    private static final Logger log = LoggerFactory.getLogger(RejectedRecords.class);

    private final ErrantRecordReporter reporter;
    /** Reports sent and not yet known to be taken, with the record each is for. */
    private final List<Future<Void>> outstanding = new ArrayList<>();
    private final List<String> outstandingRecords = new ArrayList<>();

    private RejectedRecords(ErrantRecordReporter reporter) {
        this.reporter = reporter;
    }

    static RejectedRecords from(SinkTaskContext context, Map<String, String> props) {
        boolean tolerateAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        ErrantRecordReporter reporter = null;
        if (tolerateAll) {
            try {
                reporter = context.errantRecordReporter();
            } catch (NoSuchMethodError | NoClassDefFoundError e) {
                log.warn("This worker has no errant record reporter; rejected records are only logged");
            }
        }
        return new RejectedRecords(reporter);
    }

    void report(SinkRecord record, Exception reason) {
        log.error("Rejected record {}: {}{}", ResolverFileSinkTask.where(record), reason.getMessage(),
                reporter != null ? " (sent to the error reporter)" : "");
        if (reporter != null) {
            Future<Void> sent = reporter.report(record, reason);
            if (sent != null) {
                outstanding.add(sent);
                outstandingRecords.add(ResolverFileSinkTask.where(record));
            }
        }
    }

    /**
     * Waits until the error reporter has taken every record reported so far. A report that failed stops the
     * task: the record's offset must not be committed without its dead letter.
     */
    void awaitReported() {
        try {
            for (int i = 0; i < outstanding.size(); i++) {
                try {
                    outstanding.get(i).get();
                } catch (ExecutionException e) {
                    throw new ConnectException("The error reporter (dead letter queue) did not take rejected record "
                            + outstandingRecords.get(i) + ": " + e.getCause() + ". Its offset and those after it are "
                            + "not committed; the record is delivered again after a restart", e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while waiting for the error reporter", e);
        }
        outstanding.clear();
        outstandingRecords.clear();
    }
}
