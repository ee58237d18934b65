package io.github.kresconnect.filesink;

import java.util.Map;

import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where records go that can never be handled: always the log (with topic, partition, offset and reason),
 * and the worker's errant record reporter (the dead letter queue) when errors.tolerance=all. Under the
 * default tolerance the worker's reporter would fail the task, and one bad record must never stop the
 * others, so then the record is only logged and skipped.
 */
final class RejectedRecords {
    private static final Logger log = LoggerFactory.getLogger(RejectedRecords.class);

    private final ErrantRecordReporter reporter;

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
            reporter.report(record, reason);
        }
    }
}
