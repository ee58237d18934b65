package io.github.kresconnect.filesink.receipts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The receipts producer as the connector configures it, on an embedded broker. */
class KafkaReceiptTransportIT {
    private static final String TOPIC = "knot-resolver-receipts.host.resolver1";
    private static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startBroker() {
        Properties broker = new Properties();
        broker.setProperty("auto.create.topics.enable", "false"); // a topic nobody made stays missing
        kafka = new EmbeddedKafkaCluster(1, broker);
        kafka.start();
        kafka.createTopic(TOPIC, 1);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void aWholeBatchOfTheSendersReceiptsGoesToTheBrokerInOneProduceRequest() {
        List<EncodedReceipt> batch = receipts(ReceiptSender.BATCH);
        long bytes = batch.stream().mapToLong(receipt -> receipt.key().length + receipt.value().length).sum();
        assertTrue(bytes > 16 * 1024 * 10, "a batch as large as the connector's: " + bytes + " bytes");
        KafkaReceiptTransport transport = KafkaReceiptTransport.create(TOPIC,
                KafkaReceiptTransport.producerSettings(kafka.bootstrapServers(), "resolver-receipts-test", Map.of()));
        try {
            assertEquals(List.of(), transport.send(batch));
            assertEquals(ReceiptSender.BATCH, transport.producerMetric("record-send-total"));
            // At the producer's default batch.size (16 KiB) the same receipts took 16 requests (31 receipts each).
            // With room for the whole batch it is one request, or two when appending them took longer than the
            // producer's linger (20 ms, on a loaded machine): at least 100 receipts a request either way.
            double perRequest = transport.producerMetric("records-per-request-avg");
            assertTrue(perRequest >= 100, "the batch's receipts in one or two produce requests, not in requests "
                    + "of a default batch's size: " + perRequest + " receipts per request");
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            transport.close();
        }
        assertEquals(ReceiptSender.BATCH, kafka.consume(ReceiptSender.BATCH, Duration.ofSeconds(30).toMillis(), TOPIC)
                .count());
    }

    @Test
    void aBatchForAMissingTopicWaitsForItsMetadataOnceNotOncePerReceipt() throws Exception {
        List<EncodedReceipt> batch = receipts(5);
        KafkaReceiptTransport transport = KafkaReceiptTransport.create("knot-resolver-receipts.host.nobody",
                KafkaReceiptTransport.producerSettings(kafka.bootstrapServers(), "resolver-receipts-missing",
                        Map.of("max.block.ms", "1000")));
        try {
            long start = System.nanoTime();
            Exception failure = assertThrows(Exception.class, () -> transport.send(batch));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, failure);
            // each of the five sends waited its 1 s for the topic's metadata (5 s and more) before the batch stopped
            // at the first such failure
            assertTrue(millis < 3000, "one wait of max.block.ms (1 s) for the batch, not one per receipt: " + millis
                    + " ms");
        } finally {
            transport.close();
        }
    }

    /** {@code count} file receipts, as large as the connector's. */
    private static List<EncodedReceipt> receipts(int count) {
        List<EncodedReceipt> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(EncodedReceipt.of(Receipt.fromJson(String.format(Locale.ROOT, "{\"schema\":1,\"kind\":\"file\","
                    + "\"host\":\"resolver1\",\"machine\":\"ns1.example.net\",\"file\":\"zones/zone-%05d.rpz\","
                    + "\"length\":4096,\"sha256\":\"%064x\",\"transferId\":\"4f6c1a0e9b2d4c3e8a7f6b5c4d3e2f1a\","
                    + "\"outcome\":\"published\",\"at\":\"2026-11-30T15:34:01.872Z\",\"atEpochMs\":1764516841872,"
                    + "\"topic\":\"knot-resolver\",\"partition\":0,\"offset\":%d,\"connector\":"
                    + "\"resolver-file-sink-resolver1\",\"connectorVersion\":\"0.1.0\"}", i, i, i).getBytes(UTF_8))));
        }
        return batch;
    }
}
