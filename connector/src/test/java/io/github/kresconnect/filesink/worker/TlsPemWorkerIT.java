package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * config/worker-ssl-pem.properties as shipped, against a broker whose TLS listener requires client
 * certificates: the worker's own clients, the sink's consumer and the dead letter queue's producer all read the
 * PEM files through DirectoryConfigProvider (only the PEM directory, paths and ports are replaced).
 */
class TlsPemWorkerIT {
    private static final String SHIPPED_PEM_DIR = "/etc/knot-resolver/kafka";

    @Test
    void workerConnectsWithPemFilesReadThroughDirectoryConfigProvider() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/tls-pem");
        RealWorkerScenario.deleteRecursively(dir);
        TlsMaterial tls = TlsMaterial.create(dir.resolve("tls"));
        String hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");

        try (BrokerProcess broker = BrokerProcess.start(dist, dir.resolve("broker"), dir.resolve("broker"), tls)) {
            Path filesDir = Files.createDirectories(dir.resolve("files"));
            try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.startShipped(dist, dir, broker,
                    "worker-ssl-pem.properties", Map.of(SHIPPED_PEM_DIR, tls.clientPemDir.toString()), filesDir)) {
                byte[] zone = "tls.example. CNAME rpz-passthru.\n".getBytes(StandardCharsets.UTF_8);
                byte[] orphan = "no recipient\n".getBytes(StandardCharsets.UTF_8);
                try (KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(broker.bootstrapServers())) {
                    FileDeliveryScenario.send(producer, hostname, "tls.rpz", zone, 0, 0);
                    // No 'hostname' header: rejected, so the dead letter queue's producer must connect too.
                    producer.send(FileDeliveryScenario.record(null, null, "orphan.rpz", orphan, 0, 0))
                            .get(30, TimeUnit.SECONDS);
                }

                Await.until("tls.rpz delivered over TLS", Duration.ofSeconds(90),
                        () -> FileDeliveryScenario.sameContent(filesDir.resolve("tls.rpz"), zone), connect::tail);
                ConsumerRecord<byte[], byte[]> rejected = FileDeliveryScenario.awaitDeadLetter(
                        broker.bootstrapServers(), dlqTopic, "orphan.rpz", connect);
                assertArrayEquals(orphan, rejected.value());

                String log = connect.logText();
                assertTrue(log.contains("security.protocol = SSL"), "the worker's clients use TLS");
                String keyBody = Files.readAllLines(tls.clientPemDir.resolve("client.key")).get(1);
                assertFalse(log.contains(keyBody), "the private key never appears in the worker's log");
            }
        }
    }
}
