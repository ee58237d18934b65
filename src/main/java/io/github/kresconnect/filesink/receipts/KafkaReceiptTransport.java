package io.github.kresconnect.filesink.receipts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Receipts to a topic through a plain KafkaProducer (kafka-clients comes from the worker). Each batch is sent
 * and then awaited; a receipt the producer could not deliver is returned to be retried.
 */
public final class KafkaReceiptTransport implements ReceiptSender.Transport {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String description;

    private KafkaReceiptTransport(KafkaProducer<byte[], byte[]> producer, String topic, String description) {
        this.producer = producer;
        this.topic = topic;
        this.description = description;
    }

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
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.putAll(passthrough);
        return settings;
    }

    public static KafkaReceiptTransport create(String topic, Map<String, Object> settings) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings, new ByteArraySerializer(),
                new ByteArraySerializer());
        return new KafkaReceiptTransport(producer, topic,
                "topic '" + topic + "' at " + settings.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Override
    public List<Receipt> send(List<Receipt> batch) throws Exception {
        List<Future<?>> sent = new ArrayList<>(batch.size());
        for (Receipt receipt : batch) {
            // A missing topic or an unreachable broker blocks here up to max.block.ms, then throws: the whole
            // batch is retried later.
            sent.add(producer.send(new ProducerRecord<>(topic, receipt.key(), receipt.toJson())));
        }
        List<Receipt> failed = new ArrayList<>();
        Exception last = null;
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
            } catch (ExecutionException e) {
                failed.add(batch.get(i));
                last = e.getCause() instanceof Exception cause ? cause : e;
            }
        }
        if (failed.size() == batch.size() && last != null) {
            throw last;
        }
        return failed;
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
