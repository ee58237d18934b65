package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The shipped worker's fetch limits against what the publisher sends: a file of 16 chunks of 512 KiB, sent by the
 * packaged {@code resolver-publish}, read by a consumer with exactly the {@code consumer.*} settings of the shipped
 * worker.properties. The broker ends a fetch at {@code max.partition.fetch.bytes} even inside a record, and the
 * consumer drops a cut record and fetches it again: the bytes the consumer read from the network must stay close to
 * the records' own bytes, not twice them (as at a limit of exactly 1 MiB, where the second chunk of every fetch was
 * cut).
 */
class ShippedFetchLimitsIT extends OwnKafka4Broker {
    private static final String TOPIC = "fetch-limits";
    private static final int CHUNKS = 16;
    private static final int CHUNK_BYTES = 512 * 1024;

    ShippedFetchLimitsIT() {
        super("shipped-fetch-limits");
    }

    @Test
    void eachChunkIsFetchedOnce() throws Exception {
        broker.admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Path outbox = Files.createDirectories(runDir.resolve("outbox"));
        byte[] content = new byte[CHUNKS * CHUNK_BYTES];
        new SplittableRandom(16).nextBytes(content);
        Files.write(outbox.resolve("large.rpz"), content);
        PublisherProcess.publish(runDir, "publish", List.of("--bootstrap-server", broker.bootstrapServers(),
                "--topic", TOPIC, "--to", "resolver1", "large.rpz=" + outbox.resolve("large.rpz")));

        Map<String, Object> config = new HashMap<>(shippedConsumerSettings());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "fetch-limits");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG); // a host's identity, not a fetch limit
        long recordBytes = 0;
        int records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records < CHUNKS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    recordBytes += record.serializedKeySize() + record.serializedValueSize();
                    for (Header header : record.headers()) {
                        recordBytes += header.key().getBytes(StandardCharsets.UTF_8).length + header.value().length;
                    }
                }
            }
            assertEquals(CHUNKS, records, "every chunk the publisher sent was read");
            double incoming = metric(consumer.metrics(), "consumer-metrics", "incoming-byte-total");
            // Every fetch response also carries batch and protocol framing (well under 1 %), and the group's own
            // requests are counted here too; a chunk fetched twice would add half of all the bytes again.
            assertTrue(incoming < 1.1 * recordBytes, String.format(
                    "the consumer read %.0f bytes from the network for %d bytes of records (%.2f times)", incoming,
                    recordBytes, incoming / recordBytes));
        }
    }

    /** The shipped worker.properties' consumer.* settings, without their prefix. */
    private static Map<String, Object> shippedConsumerSettings() throws IOException {
        Properties worker = new Properties();
        try (var in = Files.newBufferedReader(ShippedConfig.shipped("worker.properties"), StandardCharsets.UTF_8)) {
            worker.load(in);
        }
        Map<String, Object> settings = new HashMap<>();
        for (String key : worker.stringPropertyNames()) {
            if (key.startsWith("consumer.")) {
                settings.put(key.substring("consumer.".length()), worker.getProperty(key));
            }
        }
        assertTrue(settings.containsKey(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), settings.toString());
        return settings;
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().group().equals(group) && e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .findFirst().orElseThrow(() -> new AssertionError("no metric " + group + "/" + name));
    }
}
