package io.github.kresconnect.filesink.receipts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Receipts to a topic through a plain KafkaProducer (kafka-clients comes from the worker). Each batch is sent
 * and then awaited; a receipt the producer could not deliver is returned to be retried.
 */
public final class KafkaReceiptTransport implements ReceiptSender.Transport {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String description;
    private final Object bootstrapServers;

    private KafkaReceiptTransport(KafkaProducer<byte[], byte[]> producer, String topic, String description,
            Object bootstrapServers) {
        this.producer = producer;
        this.topic = topic;
        this.description = description;
        this.bootstrapServers = bootstrapServers;
    }

    /** The producer's batch.size: room for a whole batch of the sender's receipts. */
    static final int BATCH_BYTES = 512 * 1024;

    /**
     * The producer's settings: safe defaults (acks=all, idempotence, bounded blocking), then
     * {@code bootstrap.servers}, then what the connector passes through (receipts.producer.*), which wins.
     */
    public static Map<String, Object> producerSettings(String bootstrapServers, String clientId,
            Map<String, Object> passthrough) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        settings.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        // A whole batch of the sender's (ReceiptSender.BATCH receipts of about 600 bytes) in one produce request:
        // at the default 16 KiB, 500 receipts took 16 requests, each a round of the broker's work per file
        // published (a record batch's buffer of this size is allocated only while receipts wait to be sent).
        settings.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES));
        // An unreachable receipts broker: the client reconnects with a backoff growing to a minute (its default
        // is one second, each attempt a WARN of its own); the sender logs the outage once, in its own words.
        settings.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "1000");
        settings.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "60000");
        // A missing topic: metadata is asked for again at most every 10 s (with a WARN each time) rather than
        // every second. Known to clients from Kafka 3.7; older ones ignore it.
        settings.put("retry.backoff.max.ms", "10000");
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.putAll(passthrough);
        return settings;
    }

    public static KafkaReceiptTransport create(String topic, Map<String, Object> settings) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings, new ByteArraySerializer(),
                new ByteArraySerializer());
        return new KafkaReceiptTransport(producer, topic,
                "topic '" + topic + "' at " + settings.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
                settings.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Override
    public List<EncodedReceipt> send(List<EncodedReceipt> batch) throws Exception {
        List<Future<?>> sent = new ArrayList<>(batch.size());
        for (EncodedReceipt receipt : batch) {
            Future<?> send = producer.send(new ProducerRecord<>(topic, receipt.key(), receipt.value()));
            sent.add(send);
            if (send.isDone() && waitedForMetadata(send)) {
                // A missing topic or an unreachable broker (or a full buffer): this send waited max.block.ms in
                // vain, and each of the rest would wait as long. They are not sent; the batch is retried.
                break;
            }
        }
        List<EncodedReceipt> failed = new ArrayList<>();
        Exception last = null;
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
            } catch (ExecutionException e) {
                failed.add(batch.get(i));
                last = e.getCause() instanceof Exception cause ? cause : e;
            }
        }
        failed.addAll(batch.subList(sent.size(), batch.size()));
        if (failed.size() == batch.size() && last != null) {
            throw last;
        }
        return failed;
    }

    /**
     * A send that ended at once with a timeout: the producer waited max.block.ms for the topic's metadata (or for
     * room in its buffer) in vain.
     */
    private static boolean waitedForMetadata(Future<?> send) throws InterruptedException {
        try {
            send.get();
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
        }
    }

    /**
     * The topic's partitions, asked for as a send would (where the brokers auto-create topics and this principal may
     * create it, this creates the topic); a topic that is missing, or that this principal may not describe, is
     * explained with the commands that fix it.
     */
    @Override
    public Optional<String> check() {
        try {
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            return partitions == null || partitions.isEmpty()
                    ? Optional.of("topic '" + topic + "' has no partitions" + fix()) : Optional.empty();
        } catch (org.apache.kafka.common.errors.AuthorizationException e) {
            return Optional.of("this host's principal may not use topic '" + topic + "' (" + e.getMessage()
                    + "); grant it Write and Describe on that topic alone, as a literal ACL (kafka-acls.sh --add "
                    + "--allow-principal User:<this host's principal> --operation Write --operation Describe "
                    + "--resource-pattern-type literal --topic " + topic + "; docs/security.md, Topic ACLs)");
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return Optional.of(connections() > 0 ? "topic '" + topic + "' does not exist there and could not be "
                    + "created (or this principal may not describe it)" + fix()
                    : "no receipts broker can be reached (receipts.bootstrap.servers=" + bootstrapServers + ")");
        } catch (org.apache.kafka.common.KafkaException e) {
            return Optional.of(e.toString());
        }
    }

    /** How an operator makes the topic this host writes to, and lets it write there. */
    private String fix() {
        return ": create it (kafka-topics.sh --bootstrap-server " + bootstrapServers + " --create --topic " + topic
                + " --partitions 1 --config cleanup.policy=compact, as docs/operator.md's Topics and ACLs say) and "
                + "grant this host's principal Write and Describe on it (a literal ACL, docs/security.md's Topic ACLs)";
    }

    /**
     * A send that timed out waiting for metadata means either that no broker answers or that the topic does not
     * exist; the producer's open connections tell which. Other failures (authorization, authentication) say
     * what they are themselves.
     */
    @Override
    public String explain(Exception failure) {
        boolean metadataTimeout = failure instanceof org.apache.kafka.common.errors.TimeoutException
                && String.valueOf(failure.getMessage()).contains("not present in metadata");
        if (!metadataTimeout) {
            return failure.toString();
        }
        return connections() > 0
                ? "topic '" + topic + "' does not exist there (or this principal may not describe it)" + fix()
                : "no receipts broker can be reached (receipts.bootstrap.servers=" + bootstrapServers + ")";
    }

    /** Connections the producer holds now (its connection-count metric). */
    private double connections() {
        return producerMetric("connection-count");
    }

    /** A metric of the producer's own group (producer-metrics) by name; -1 when it has none. */
    double producerMetric(String name) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> metric
                : producer.metrics().entrySet()) {
            if (metric.getKey().name().equals(name) && metric.getKey().group().equals("producer-metrics")
                    && metric.getValue().metricValue() instanceof Number value) {
                return value.doubleValue();
            }
        }
        return -1;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            // closing while interrupted; nothing more to do
        }
    }
}
