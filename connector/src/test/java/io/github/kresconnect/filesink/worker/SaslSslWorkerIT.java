package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * config/worker-sasl-ssl.properties as shipped, against a broker whose SASL_SSL listener knows the shipped
 * user (created with kafka-storage format --add-scram, the mechanism the shipped file names): the worker's own
 * clients, the sink's consumer and the dead letter queue's producer all authenticate with the password and
 * trust the CA read through DirectoryConfigProvider (only that directory, paths and ports are replaced). The
 * file is published with bin/resolver-publish over the same listener, with a matching --producer-config.
 */
class SaslSslWorkerIT {
    private static final String SHIPPED_SECRETS_DIR = "/etc/knot-resolver/kafka";
    private static final Pattern JAAS_USERNAME = Pattern.compile("username=\"([^\"]+)\"");

    @Test
    void workerAuthenticatesWithScramOverTlsAsShipped() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/sasl-ssl");
        RealWorkerScenario.deleteRecursively(dir);
        TlsMaterial tls = TlsMaterial.create(dir.resolve("tls"));
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        String hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");

        String mechanism = ShippedConfig.value("worker-sasl-ssl.properties", "sasl.mechanism");
        String password = "test-" + UUID.randomUUID();
        BrokerProcess.ScramUser user = new BrokerProcess.ScramUser(mechanism, shippedUser(), password);
        // The password file as the shipped comment says to write it: the password alone, no final newline.
        Files.writeString(tls.clientPemDir.resolve("sasl.password"), password, StandardCharsets.UTF_8);

        try (BrokerProcess broker = BrokerProcess.start(dist, dir.resolve("broker"), dir.resolve("broker"), tls, user)) {
            Path filesDir = Files.createDirectories(dir.resolve("files"));
            Path producerConfig = dir.resolve("publish-sasl-ssl.properties");
            Files.writeString(producerConfig, String.join("\n",
                    "security.protocol=SASL_SSL",
                    "sasl.mechanism=" + mechanism,
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                            + user.name() + "\" password=\"" + password + "\";",
                    "ssl.truststore.type=PEM",
                    "ssl.truststore.location=" + tls.clientPemDir.resolve("ca.crt"),
                    ""), StandardCharsets.UTF_8);

            try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.startShipped(dist, dir, broker,
                    "worker-sasl-ssl.properties", Map.of(SHIPPED_SECRETS_DIR, tls.clientPemDir.toString()), filesDir)) {
                byte[] zone = "sasl.example. CNAME rpz-passthru.\n".getBytes(StandardCharsets.UTF_8);
                Path zoneFile = dir.resolve("sasl.rpz");
                Files.write(zoneFile, zone);
                PublisherProcess.publish(dir, "sasl-ssl", List.of("--bootstrap-server", broker.sslBootstrapServers(),
                        "--producer-config", producerConfig.toString(), "--to", hostname, "sasl.rpz=" + zoneFile));
                // No 'hostname' header, which the publisher never sends: rejected, so the dead letter queue's
                // producer must authenticate too. Sent over the plaintext listener kept for the test's clients.
                byte[] orphan = "no recipient\n".getBytes(StandardCharsets.UTF_8);
                try (KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(broker.bootstrapServers())) {
                    producer.send(FileDeliveryScenario.record(null, null, "orphan.rpz", orphan, 0, 0))
                            .get(30, TimeUnit.SECONDS);
                }

                Await.until("sasl.rpz delivered over SASL_SSL", Duration.ofSeconds(90),
                        () -> FileDeliveryScenario.sameContent(filesDir.resolve("sasl.rpz"), zone), connect::tail);
                ConsumerRecord<byte[], byte[]> rejected = FileDeliveryScenario.awaitDeadLetter(
                        broker.bootstrapServers(), dlqTopic, "orphan.rpz", connect);
                assertArrayEquals(orphan, rejected.value());
                connect.awaitRunning(name, Duration.ofSeconds(10));

                String log = connect.logText();
                assertTrue(log.contains("security.protocol = SASL_SSL"), "the worker's clients use SASL_SSL");
                assertTrue(log.contains("sasl.mechanism = " + mechanism), "the worker's clients use " + mechanism);
                assertFalse(log.contains(password), "the password never appears in the worker's log");
            }
        }
    }

    /**
     * The user named by the shipped file's sasl.jaas.config lines (the worker's, the consumer's, the
     * producer's), which must agree. Any one of them may be missing here: the worker must then fail, not this.
     */
    private static String shippedUser() throws Exception {
        Set<String> users = new TreeSet<>();
        for (String line : Files.readAllLines(ShippedConfig.shipped("worker-sasl-ssl.properties"))) {
            if (line.matches("(consumer\\.|producer\\.)?sasl\\.jaas\\.config=.*")) {
                Matcher username = JAAS_USERNAME.matcher(line);
                assertTrue(username.find(), "no username in " + line);
                users.add(username.group(1));
            }
        }
        assertEquals(1, users.size(), "the shipped sasl.jaas.config lines name one user: " + users);
        return users.iterator().next();
    }
}
