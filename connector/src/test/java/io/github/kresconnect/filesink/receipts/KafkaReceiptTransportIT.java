package io.github.kresconnect.filesink.receipts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        kafka = new EmbeddedKafkaCluster(1, new Properties());
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
        List<EncodedReceipt> batch = new ArrayList<>();
        for (int i = 0; i < ReceiptSender.BATCH; i++) {
            batch.add(EncodedReceipt.of(Receipt.fromJson(String.format(Locale.ROOT, "{\"schema\":1,\"kind\":\"file\","
                    + "\"host\":\"resolver1\",\"machine\":\"ns1.example.net\",\"file\":\"zones/zone-%05d.rpz\","
                    + "\"length\":4096,\"sha256\":\"%064x\",\"transferId\":\"4f6c1a0e9b2d4c3e8a7f6b5c4d3e2f1a\","
                    + "\"outcome\":\"published\",\"at\":\"2026-11-30T15:34:01.872Z\",\"atEpochMs\":1764516841872,"
                    + "\"topic\":\"knot-resolver\",\"partition\":0,\"offset\":%d,\"connector\":"
                    + "\"resolver-file-sink-resolver1\",\"connectorVersion\":\"0.1.0\"}", i, i, i).getBytes(UTF_8))));
        }
        long bytes = batch.stream().mapToLong(receipt -> receipt.key().length + receipt.value().length).sum();
        assertTrue(bytes > 16 * 1024 * 10, "a batch as large as the connector's: " + bytes + " bytes");
        KafkaReceiptTransport transport = KafkaReceiptTransport.create(TOPIC,
                KafkaReceiptTransport.producerSettings(kafka.bootstrapServers(), "resolver-receipts-test", Map.of()));
        try {
            assertEquals(List.of(), transport.send(batch));
            assertEquals(ReceiptSender.BATCH, transport.producerMetric("record-send-total"));
            // at the producer's default batch.size (16 KiB) the same receipts took 16 requests (31 receipts each)
            assertEquals(ReceiptSender.BATCH, transport.producerMetric("records-per-request-avg"),
                    "every receipt of the batch in one produce request");
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            transport.close();
        }
        assertEquals(ReceiptSender.BATCH, kafka.consume(ReceiptSender.BATCH, Duration.ofSeconds(30).toMillis(), TOPIC)
                .count());
    }
}
