package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.docs.DocBlocks;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.receipts.Receipt;

/**
 * docs/security.md's per-host receipts block, run as written by bash against a broker with StandardAuthorizer
 * (for resolver1, and for resolver2 with the name replaced), and the attacks it stops: a host principal writing
 * into another host's receipts topic, or into one for a host that does not exist, is refused by the broker; a
 * "published" receipt for the non-existent host r3 that resolver1 forges in its own topic, with the transfer id it
 * read from the data topic, does not make the packaged publisher's {@code --wait --receipts-topic-mode per-host}
 * exit 0. The same forged receipt read as a shared topic does (the attack the per-host mode stops).
 */
class PerHostReceiptsIT {
    private static final String MARKER = "<!-- receipts-per-host-acls -->";
    private static final String DOCUMENTED_BOOTSTRAP = "kafka1.example.net:9092";
    private static final String DATA = FileDeliveryScenario.TOPIC;
    private static final String BASE = "knot-resolver-receipts";

    @Test
    void aHostCannotWriteAnotherHostsReceiptsNorBeBelievedForIt() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/per-host-receipts");
        RealWorkerScenario.deleteRecursively(dir);
        BrokerProcess.ScramUser r1 = new BrokerProcess.ScramUser("SCRAM-SHA-512", "resolver1", "pw-r1");
        BrokerProcess.ScramUser r2 = new BrokerProcess.ScramUser("SCRAM-SHA-512", "resolver2", "pw-r2");
        BrokerProcess.ScramUser publisher = new BrokerProcess.ScramUser("SCRAM-SHA-512", "publisher", "pw-pub");
        List<String> block = DocBlocks.all().stream().filter(b -> MARKER.equals(b.lineBefore())).findFirst()
                .orElseThrow().commands();
        try (BrokerProcess broker = BrokerProcess.startWithAuthorizer(dist, dir.resolve("broker"), dir.resolve("broker"),
                null, List.of(r1, r2, publisher))) {
            broker.admin().createTopics(List.of(new NewTopic(DATA, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            String out1 = runBlock(broker, dist, dir, "resolver1", block);
            String out2 = runBlock(broker, dist, dir, "resolver2", block.stream()
                    .map(line -> line.replace("resolver1", "resolver2")).toList());
            assertFalse(out1.contains("rror") || out2.contains("rror"), out1 + out2);
            // What the rest of the page grants: the publisher writes files; a host reads them.
            broker.tool("kafka-acls.sh", "--add", "--allow-principal", "User:publisher", "--operation", "Write",
                    "--operation", "Describe", "--topic", DATA);
            broker.tool("kafka-acls.sh", "--add", "--allow-principal", "User:resolver1", "--operation", "Read",
                    "--operation", "Describe", "--topic", DATA);

            String own = BASE + ".host.resolver1";
            send(broker, r1, own, forged("resolver1", null)); // its own topic: allowed
            for (String other : List.of(BASE + ".host.resolver2", BASE + ".host.r3", BASE)) {
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> send(broker, r1, other, forged("resolver2", null)), "resolver1 writes " + other);
                assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), "resolver1 writes " + other);
            }

            Path producerConfig = dir.resolve("publisher.properties");
            List<String> lines = new ArrayList<>();
            broker.clientProperties(publisher).forEach((k, v) -> lines.add(k + "=" + v));
            Files.write(producerConfig, lines, StandardCharsets.UTF_8);
            Path ghost = Files.writeString(dir.resolve("ghost.rpz"), "ghost.example. CNAME .\n");

            // Per host, addressed by name: r3's own topic is the only one read, and it does not exist.
            String byName = forgeDuring(broker, r1, own, dir, "per-host-to", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--to", "r3",
                    "--wait", "15", "--receipts-topic-mode", "per-host", "ghost.rpz=" + ghost), 11);
            assertTrue(byName.lines().anyMatch(l -> l.matches("r3\\s+no answer")), byName);
            assertFalse(byName.lines().anyMatch(l -> l.matches("r3\\s+published.*")), byName);

            // Per host, by zone: every host's topic is read; resolver1's receipt claiming r3 is ignored, and said so.
            String byZone = forgeDuring(broker, r1, own, dir, "per-host-zone", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--zone", "dc-east",
                    "--wait", "15", "--wait-hosts", "1", "--receipts-topic-mode", "per-host", "ghost.rpz=" + ghost), 11);
            assertTrue(byZone.contains("warning: a receipt in '" + own + "'") && byZone.contains("claims host 'r3'"),
                    byZone);
            assertFalse(byZone.lines().anyMatch(l -> l.matches("r3\\s+published.*")), byZone);
            String status = PublisherProcess.publish(dir, "status", List.of("status", "--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(),
                    "--receipts-topic-mode", "per-host"));
            assertTrue(status.contains("claims host 'r3'"), status);
            assertFalse(status.lines().anyMatch(l -> l.startsWith("r3")), status);

            // Control: the same forgery, read as a shared topic, is believed (exit 0): what per-host stops.
            String shared = forgeDuring(broker, r1, own, dir, "shared", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--to", "r3",
                    "--wait", "60", "--receipts-topic", own, "--receipts-topic-mode", "shared",
                    "ghost.rpz=" + ghost), 0);
            assertTrue(shared.lines().anyMatch(l -> l.matches("r3\\s+published ghost.rpz")), shared);
        }
    }

    /**
     * Runs the publisher; meanwhile, as {@code attacker}, reads the transfer id it sends to r3 from the data topic
     * and writes a forged "published" receipt of it for r3 into {@code topic}.
     */
    private static String forgeDuring(BrokerProcess broker, BrokerProcess.ScramUser attacker, String topic, Path dir,
            String label, List<String> args, int expectedExit) throws Exception {
        long start = endOffset(broker, attacker);
        CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> {
            try {
                return PublisherProcess.publish(dir, label, args, expectedExit);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String transferId = awaitTransferId(broker, attacker, start);
        send(broker, attacker, topic, forged("r3", transferId));
        return run.get(3, TimeUnit.MINUTES);
    }

    private static Receipt forged(String host, String transferId) {
        return new Receipt(Receipt.KIND_FILE, host, host, "ghost.rpz", 23, "0".repeat(64), transferId, -1,
                Receipt.PUBLISHED, null, null, null, null, null, System.currentTimeMillis(), DATA, 0, 0,
                "resolver-file-sink", "forged");
    }

    private static Map<String, Object> client(BrokerProcess broker, BrokerProcess.ScramUser user) {
        Map<String, Object> config = new HashMap<>(broker.clientProperties(user));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.sslBootstrapServers());
        return config;
    }

    private static void send(BrokerProcess broker, BrokerProcess.ScramUser user, String topic, Receipt receipt)
            throws Exception {
        Map<String, Object> config = client(broker, user);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, receipt.key(), receipt.toJson())).get(30, TimeUnit.SECONDS);
        }
    }

    private static long endOffset(BrokerProcess broker, BrokerProcess.ScramUser user) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker, user)) {
            TopicPartition partition = new TopicPartition(DATA, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static String awaitTransferId(BrokerProcess broker, BrokerProcess.ScramUser user, long from) {
        String[] found = new String[1];
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker, user)) {
            TopicPartition partition = new TopicPartition(DATA, 0);
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            Await.until("the publisher's record on " + DATA, Duration.ofSeconds(60), () -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Header id = record.headers().lastHeader(ProtocolHeaders.TRANSFER_ID);
                    if (id != null) {
                        found[0] = new String(id.value(), StandardCharsets.UTF_8);
                    }
                }
                return found[0] != null;
            });
        }
        return found[0];
    }

    private static KafkaConsumer<byte[], byte[]> consumer(BrokerProcess broker, BrokerProcess.ScramUser user) {
        Map<String, Object> config = client(broker, user);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The block by bash, the distribution's tools first on PATH, only the broker's address replaced. */
    private static String runBlock(BrokerProcess broker, KafkaDistribution dist, Path dir, String label,
            List<String> lines) throws Exception {
        Path work = Files.createDirectories(dir.resolve("acls-" + label));
        Files.copy(broker.adminConfig(), work.resolve("admin.properties"));
        List<String> script = new ArrayList<>(List.of("set -euo pipefail", "export PATH=" + dist.binDir() + ":$PATH"));
        lines.forEach(line -> script.add(line.replace(DOCUMENTED_BOOTSTRAP, broker.sslBootstrapServers())));
        Path file = Files.write(work.resolve("acls.sh"), script, StandardCharsets.UTF_8);
        Path log = work.resolve("acls.log");
        LoggedProcess.run("the documented per-host receipts ACLs (" + label + ")", List.of("bash", file.toString()),
                work, log, Duration.ofMinutes(3));
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("kafka-topics.sh")).count());
        return text;
    }
}
