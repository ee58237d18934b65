package io.github.kresconnect.filesink.receipts;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the receipts topic without a consumer group (every partition assigned, nothing committed): from its
 * end, for receipts yet to come, or from its beginning up to where it ended when reading started.
 */
public final class ReceiptReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private long unreadable;

    private ReceiptReader(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        this.consumer = consumer;
        this.partitions = partitions;
    }

    /**
     * @param clientSettings the connection's settings (bootstrap servers and security), as for the producer
     * @throws IllegalStateException when the topic does not exist
     */
    public static ReceiptReader open(Map<String, Object> clientSettings, String topic, Duration timeout) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("receipts topic '" + topic + "' does not exist");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            return new ReceiptReader(consumer, partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Skips what the topic holds now: only receipts produced from here on are read. */
    public void fromEnd() {
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fixes the position now, not at the first poll
    }

    /** Reads everything the topic held when called, then returns. */
    public void readAll(Consumer<Receipt> receipts, Duration timeout) {
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the receipts topic could not be read to its end within "
                        + timeout.toSeconds() + " s");
            }
            poll(receipts, Duration.ofMillis(200));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Polls until {@code done} or the deadline (System.nanoTime()); returns whether done. */
    public boolean readUntil(Consumer<Receipt> receipts, BooleanSupplier done, long deadlineNanos,
            Runnable eachPoll) {
        while (!done.getAsBoolean()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            poll(receipts, Duration.ofNanos(Math.min(left, Duration.ofMillis(200).toNanos())));
            eachPoll.run();
        }
        return true;
    }

    private void poll(Consumer<Receipt> receipts, Duration wait) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            if (record.value() == null) {
                continue;
            }
            try {
                receipts.accept(Receipt.fromJson(record.value()));
            } catch (IllegalArgumentException e) {
                unreadable++;
            }
        }
    }

    /** Records that were not receipts this reader understands (another schema, or not JSON). */
    public long unreadable() {
        return unreadable;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
