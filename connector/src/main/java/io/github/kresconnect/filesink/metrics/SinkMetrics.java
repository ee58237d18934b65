package io.github.kresconnect.filesink.metrics;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a task has done, for operators: counters exposed through JMX as
 * {@code io.github.kresconnect.filesink:type=task-metrics,connector=NAME,task=0}, and also as Kafka plugin
 * metrics where the worker offers them (4.1 and newer). Counting is lock-free; reading never blocks the task.
 */
public final class SinkMetrics implements AutoCloseable {
    public static final String JMX_DOMAIN = "io.github.kresconnect.filesink";
    private static final Logger log = LoggerFactory.getLogger(SinkMetrics.class);

    private final AtomicLong filesPublished = new AtomicLong();
    private final AtomicLong filesUnchanged = new AtomicLong();
    private final AtomicLong chunksStaged = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong recordsSkipped = new AtomicLong();
    private final Map<RejectionReason, AtomicLong> rejected = new LinkedHashMap<>();
    private final AtomicLong staleChunkSetsDiscarded = new AtomicLong();
    private final AtomicLong ioRetries = new AtomicLong();
    private final AtomicLong reloadRequestsSent = new AtomicLong();
    private final AtomicLong renewRequestsSent = new AtomicLong();
    private final AtomicLong managerRequestsFailed = new AtomicLong();
    private final AtomicLong lastPublishEpochMs = new AtomicLong();
    private final AtomicLong recordsRedelivered = new AtomicLong();
    private final AtomicLong transfersDiscarded = new AtomicLong();
    private final AtomicLong transfersAmbiguous = new AtomicLong();
    private final AtomicLong commitRounds = new AtomicLong();
    private final AtomicLong ioFailingSinceEpochMs = new AtomicLong();
    private final AtomicLong managerFailingSinceEpochMs = new AtomicLong();
    private final AtomicLong receiptsSent = new AtomicLong();
    private final AtomicLong receiptsFailed = new AtomicLong();
    private final AtomicLong receiptsDropped = new AtomicLong();
    private final AtomicLong freshnessState = new AtomicLong();
    private final AtomicLong freshnessWithheldFiles = new AtomicLong();
    private final AtomicLong freshnessStatementSequence = new AtomicLong();
    private final AtomicLong freshnessExpiresEpochMs = new AtomicLong();
    private final AtomicLong freshnessStatementsAccepted = new AtomicLong();
    private final LongSupplier epochMillis;

    private final Map<String, Metric> metrics = new LinkedHashMap<>();
    private ObjectName registeredName;

    public SinkMetrics() {
        this(System::currentTimeMillis);
    }

    /** @param epochMillis the wall clock, for the metrics that say since when something is the case */
    public SinkMetrics(LongSupplier epochMillis) {
        this.epochMillis = epochMillis;
        for (RejectionReason reason : RejectionReason.values()) {
            rejected.put(reason, new AtomicLong());
        }
        add("files-published", "Files that replaced or created a file", filesPublished::get);
        add("files-unchanged", "Files that equalled the current file (replays)", filesUnchanged::get);
        add("chunks-staged", "Chunks written to a chunk set", chunksStaged::get);
        add("bytes-written", "Bytes of files published", bytesWritten::get);
        add("records-skipped", "Records for other recipients", recordsSkipped::get);
        add("records-rejected", "Records rejected, all reasons", () -> rejected.values().stream()
                .mapToLong(AtomicLong::get).sum());
        for (RejectionReason reason : RejectionReason.values()) {
            add("records-rejected-" + reason.metricSuffix(), "Records rejected: " + reason.description(),
                    rejected.get(reason)::get);
        }
        add("stale-chunk-sets-discarded", "Incomplete chunk sets discarded after chunks.stale.after.ms",
                staleChunkSetsDiscarded::get);
        add("io-retries", "Attempts to write again after an I/O failure of the files directory", ioRetries::get);
        add("io-failing-since-epoch-ms", "Since when writing to the files directory fails (ms since the epoch; 0 "
                + "while it works)", ioFailingSinceEpochMs::get);
        add("records-redelivered", "Records delivered again after their effect was already applied (skipped)",
                recordsRedelivered::get);
        add("transfers-discarded", "Incomplete transfers dropped: superseded by a new transfer of the file, expired, "
                + "or rejected", transfersDiscarded::get);
        add("transfers-ambiguous", "Complete chunk sets not published because, without a transfer id, they may mix "
                + "two transfers", transfersAmbiguous::get);
        add("commit-rounds", "Group commits: rounds of fsyncs that made applied records durable",
                commitRounds::get);
        add("reload-requests-sent", "Reload requests the manager accepted", reloadRequestsSent::get);
        add("renew-requests-sent", "Renew requests the manager accepted", renewRequestsSent::get);
        add("manager-requests-failed", "Requests to the manager that failed (each is retried)",
                managerRequestsFailed::get);
        add("manager-failing-since-epoch-ms", "Since when requests to the manager fail (ms since the epoch; 0 "
                + "while it accepts them)", managerFailingSinceEpochMs::get);
        add("receipts-sent", "Receipts the receipts topic acknowledged", receiptsSent::get);
        add("receipts-failed", "Receipt sends that failed (each is retried while it is queued)", receiptsFailed::get);
        add("receipts-dropped", "Receipts dropped: the queue was full, or they were still queued at stop",
                receiptsDropped::get);
        add("freshness-state", "What the newest freshness statement says of this host: 0 no statement yet, 1 "
                + "fresh, 2 withheld (a file older than stated), 3 frozen (the statement expired)", freshnessState::get);
        add("freshness-withheld-files", "Files this host holds older than the freshness statement states",
                freshnessWithheldFiles::get);
        add("freshness-statement-sequence", "The sequence number of the newest freshness statement accepted (0: "
                + "none)", freshnessStatementSequence::get);
        add("freshness-statement-expires-epoch-ms", "When the newest freshness statement expires (ms since the "
                + "epoch; 0: none)", freshnessExpiresEpochMs::get);
        add("freshness-statements-accepted", "Freshness statements verified and accepted (copies and older "
                + "statements not counted)", freshnessStatementsAccepted::get);
        add("last-publish-epoch-ms", "When a file was last published (ms since the epoch, 0 for never)",
                lastPublishEpochMs::get);
    }

    /** A freshness statement newer than the last was accepted. */
    public void freshnessStatementAccepted(long sequence, long expiresEpochMs) {
        freshnessStatementsAccepted.incrementAndGet();
        freshnessStatement(sequence, expiresEpochMs);
    }

    /** The newest freshness statement, as the files directory kept it (at start). */
    public void freshnessStatement(long sequence, long expiresEpochMs) {
        freshnessStatementSequence.set(sequence);
        freshnessExpiresEpochMs.set(expiresEpochMs);
    }

    /** The freshness state as the freshness-state metric codes it, and the files withheld. */
    public void freshness(int stateCode, int withheldFiles) {
        freshnessState.set(stateCode);
        freshnessWithheldFiles.set(withheldFiles);
    }

    public void filePublished(long bytes, long nowEpochMs) {
        filesPublished.incrementAndGet();
        bytesWritten.addAndGet(bytes);
        lastPublishEpochMs.set(nowEpochMs);
    }

    public void fileUnchanged() {
        filesUnchanged.incrementAndGet();
    }

    public void chunkStaged() {
        chunksStaged.incrementAndGet();
    }

    public void recordSkipped() {
        recordsSkipped.incrementAndGet();
    }

    public void recordRejected(RejectionReason reason) {
        rejected.get(reason).incrementAndGet();
    }

    public void staleChunkSetDiscarded() {
        staleChunkSetsDiscarded.incrementAndGet();
    }

    public void ioRetry() {
        ioRetries.incrementAndGet();
    }

    /** 0 when writing works again. */
    public void ioFailingSince(long epochMs) {
        ioFailingSinceEpochMs.set(epochMs);
    }

    public void recordRedelivered() {
        recordsRedelivered.incrementAndGet();
    }

    public void transferDiscarded() {
        transfersDiscarded.incrementAndGet();
    }

    public void transferAmbiguous() {
        transfersAmbiguous.incrementAndGet();
    }

    public void commitRound() {
        commitRounds.incrementAndGet();
    }

    /**
     * Counts the manager's answers, and keeps since when it fails (from the first failure after an accepted
     * request, or after the start, until the next accepted one); called from the notifier's thread.
     */
    public ManagerRequestListener managerRequestListener() {
        return new ManagerRequestListener() {
            @Override
            public void accepted(ManagerRequest request) {
                (request == ManagerRequest.RELOAD ? reloadRequestsSent : renewRequestsSent).incrementAndGet();
                managerFailingSinceEpochMs.set(0);
            }

            @Override
            public void failed(ManagerRequest request) {
                managerRequestsFailed.incrementAndGet();
                managerFailingSinceEpochMs.compareAndSet(0, Math.max(1, epochMillis.getAsLong()));
            }
        };
    }

    /** Counts what the receipts sender did. */
    public io.github.kresconnect.filesink.receipts.ReceiptSender.Counters receiptCounters() {
        return new io.github.kresconnect.filesink.receipts.ReceiptSender.Counters() {
            @Override
            public void sent(int count) {
                receiptsSent.addAndGet(count);
            }

            @Override
            public void failed(int count) {
                receiptsFailed.addAndGet(count);
            }

            @Override
            public void dropped(int count) {
                receiptsDropped.addAndGet(count);
            }
        };
    }

    /** Current values by metric name, in a stable order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        metrics.forEach((name, metric) -> out.put(name, metric.value.getAsLong()));
        return out;
    }

    /** Registers the JMX bean; a clash (the same connector twice in one JVM) only costs the bean. */
    public void registerJmx(String connectorName) {
        try {
            ObjectName name = jmxName(connectorName);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new Bean(), name);
            registeredName = name;
        } catch (JMException e) {
            log.warn("Task metrics are not available through JMX: {}", e.toString());
        }
    }

    public static ObjectName jmxName(String connectorName) throws JMException {
        return new ObjectName(JMX_DOMAIN + ":type=task-metrics,connector=" + ObjectName.quote(connectorName)
                + ",task=0");
    }

    /** Offers every value to a registrar (used for Kafka's plugin metrics). */
    public void forEachMetric(MetricRegistrar registrar) {
        metrics.forEach((name, metric) -> registrar.register(name, metric.description, metric.value));
    }

    @Override
    public void close() {
        if (registeredName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredName);
            } catch (JMException e) {
                log.debug("Task metrics bean was already gone: {}", e.toString());
            }
            registeredName = null;
        }
    }

    private void add(String name, String description, LongSupplier value) {
        metrics.put(name, new Metric(description, value));
    }

    /** Receives each metric once. */
    @FunctionalInterface
    public interface MetricRegistrar {
        void register(String name, String description, LongSupplier value);
    }

    private record Metric(String description, LongSupplier value) {
    }

    /** The JMX view: one read-only long attribute per metric, named as the metric. */
    private final class Bean implements DynamicMBean {
        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            Metric metric = metrics.get(attribute);
            if (metric == null) {
                throw new AttributeNotFoundException(attribute);
            }
            return metric.value.getAsLong();
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            for (String attribute : attributes) {
                Metric metric = metrics.get(attribute);
                if (metric != null) {
                    list.add(new Attribute(attribute, metric.value.getAsLong()));
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException("task metrics are read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException("task metrics have no operations");
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            MBeanAttributeInfo[] attributes = metrics.entrySet().stream()
                    .map(e -> new MBeanAttributeInfo(e.getKey(), "long", e.getValue().description, true, false,
                            false))
                    .toArray(MBeanAttributeInfo[]::new);
            return new MBeanInfo(SinkMetrics.class.getName(), "Resolver file sink task metrics", attributes, null,
                    null, null);
        }
    }
}
