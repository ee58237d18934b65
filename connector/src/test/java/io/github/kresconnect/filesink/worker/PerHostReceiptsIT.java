package io.github.kresconnect.filesink.worker;

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

import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.receipts.Receipt;

/**
 * docs/security.md's "Topic ACLs" block (receipts per host, the default), run as written by bash against a broker
 * with StandardAuthorizer (for resolver1, and for resolver2 with the name replaced), and the attacks it stops: a
 * host principal writing into another host's receipts topic, or into one for a host that does not exist, is refused
 * by the broker; a "published" receipt for the non-existent host r3 that resolver1 forges in its own topic, with the
 * transfer id it read from the data topic, does not make the packaged publisher's {@code --wait} exit 0. First, the
 * connector's own receipts under these ACLs: a real worker as shipped (SASL_SSL as User:resolver1, receipts per
 * host) delivers a file, and its receipt, in its own topic, is what {@code --wait} believes. Last, the shared
 * topic's block (the opt-in), run as written: the same forgery, which resolver1 may now write into the shared topic,
 * makes {@code --wait --receipts-topic-mode shared} exit 0 (the attack the per-host topics stop).
 */
class PerHostReceiptsIT {
    private static final String SHARED_MARKER = "<!-- receipts-shared-acls -->";
    private static final String DOCUMENTED_BOOTSTRAP = "kafka1.example.net:9092";
    private static final String DATA = FileDeliveryScenario.TOPIC;
    private static final String BASE = "knot-resolver-receipts";

    @Test
    void aHostCannotWriteAnotherHostsReceiptsNorBeBelievedForIt() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/per-host-receipts");
        RealWorkerScenario.deleteRecursively(dir);
        TlsMaterial tls = TlsMaterial.create(dir.resolve("tls"));
        BrokerProcess.ScramUser r1 = new BrokerProcess.ScramUser(
                ShippedConfig.value("worker-sasl-ssl.properties", "sasl.mechanism"), "resolver1", "pw-r1");
        Files.writeString(tls.clientPemDir.resolve("sasl.password"), r1.password(), StandardCharsets.UTF_8);
        BrokerProcess.ScramUser r2 = new BrokerProcess.ScramUser("SCRAM-SHA-512", "resolver2", "pw-r2");
        BrokerProcess.ScramUser publisher = new BrokerProcess.ScramUser("SCRAM-SHA-512", "publisher", "pw-pub");
        List<String> block = TopicAclsIT.documentedBlock(TopicAclsIT.ACLS);
        assertTrue(block.stream().anyMatch(l -> l.endsWith("--resource-pattern-type literal --topic " + BASE
                + ".host.resolver1")), "the host's literal Write on its own receipts topic: " + block);
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        try (BrokerProcess broker = BrokerProcess.startWithAuthorizer(dist, dir.resolve("broker"), dir.resolve("broker"),
                tls, List.of(r1, r2, publisher))) {
            // The topics, as docs/operator.md creates them: each host's own receipts topic (none for r3).
            broker.admin().createTopics(List.of(new NewTopic(DATA, 1, (short) 1), new NewTopic(dlq, 1, (short) 1),
                    new NewTopic(BASE + ".host.resolver1", 1, (short) 1),
                    new NewTopic(BASE + ".host.resolver2", 1, (short) 1), new NewTopic(BASE, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            String out1 = TopicAclsIT.runBlock(broker, dist, dir, "resolver1", r1.password(), block);
            String out2 = TopicAclsIT.runBlock(broker, dist, dir, "resolver2", r2.password(), block.stream()
                    .map(line -> line.replace("resolver1", "resolver2")).toList());
            assertFalse(out1.contains("rror") || out2.contains("rror"), out1 + out2);
            Path producerConfig = TopicAclsIT.publisherWrites(broker, dir, publisher, DATA);

            // The connector's own receipts: a real worker as shipped (SASL_SSL as User:resolver1), in per-host mode,
            // with exactly these ACLs, delivers a file; its receipt, in its own topic, is believed by --wait.
            String own = BASE + ".host.resolver1";
            Path filesDir = Files.createDirectories(dir.resolve("files"));
            Path pluginPath = dir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"), Map.of(
                    "files.dir", filesDir.toString(),
                    "manager.socket.path", dir.resolve("kres-api.sock").toString(),
                    "receipts.bootstrap.servers", broker.sslBootstrapServers()),
                    Map.of(TopicAclsIT.SHIPPED_SECRETS_DIR, tls.clientPemDir.toString()), "receipts.producer.");
            String name = ShippedConfig.value("resolver-sink.properties", "name");
            byte[] zone = "own.example. CNAME rpz-passthru.\n".getBytes(StandardCharsets.UTF_8);
            Path zoneFile = Files.write(dir.resolve("own.rpz"), zone);
            try (StandaloneWorkerProcess connect = TopicAclsIT.startWorker(dist, dir, broker, tls, pluginPath, sink)) {
                connect.awaitRunning(name, Duration.ofSeconds(90));
                String delivered = PublisherProcess.publish(dir, "own", List.of("--bootstrap-server",
                        broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--to",
                        "resolver1", "--wait", "60", "own.rpz=" + zoneFile));
                assertTrue(delivered.lines().anyMatch(l -> l.matches("resolver1\\s+published own\\.rpz.*")),
                        delivered);
                assertTrue(FileDeliveryScenario.sameContent(filesDir.resolve("own.rpz"), zone));
                List<Receipt> ownReceipts = receipts(broker, own);
                assertTrue(ownReceipts.stream().anyMatch(r -> "resolver1".equals(r.host())
                        && "own.rpz".equals(r.file()) && Receipt.PUBLISHED.equals(r.outcome())), ownReceipts
                        .toString());
                connect.awaitRunning(name, Duration.ofSeconds(10));
                assertFalse(connect.logText().contains("AuthorizationException"), connect.tail());
            }

            send(broker, r1, own, forged("resolver1", null)); // its own topic: allowed
            for (String other : List.of(BASE + ".host.resolver2", BASE + ".host.r3", BASE)) {
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> send(broker, r1, other, forged("resolver2", null)), "resolver1 writes " + other);
                assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), "resolver1 writes " + other);
            }

            Path ghost = Files.writeString(dir.resolve("ghost.rpz"), "ghost.example. CNAME .\n");

            // Per host, addressed by name: r3's own topic is the only one read, and it does not exist.
            String byName = forgeDuring(broker, r1, own, dir, "per-host-to", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--to", "r3",
                    "--wait", "8", "ghost.rpz=" + ghost), 11);
            assertTrue(byName.lines().anyMatch(l -> l.matches("r3\\s+no answer")), byName);
            assertFalse(byName.lines().anyMatch(l -> l.matches("r3\\s+published.*")), byName);

            // Per host, by zone: every host's topic is read; resolver1's receipt claiming r3 is ignored, and said so.
            String byZone = forgeDuring(broker, r1, own, dir, "per-host-zone", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--zone", "dc-east",
                    "--wait", "8", "--wait-hosts", "1", "ghost.rpz=" + ghost), 11);
            assertTrue(byZone.contains("warning: a receipt in '" + own + "'") && byZone.contains("claims host 'r3'"),
                    byZone);
            assertFalse(byZone.lines().anyMatch(l -> l.matches("r3\\s+published.*")), byZone);
            String status = PublisherProcess.publish(dir, "status", List.of("status", "--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString()));
            assertTrue(status.contains("claims host 'r3'"), status);
            assertFalse(status.lines().anyMatch(l -> l.startsWith("r3")), status);

            // The shared topic (the opt-in), with its documented ACLs: resolver1 may write there, and the same
            // forgery is believed (exit 0): what the per-host topics stop.
            String outShared = TopicAclsIT.runBlock(broker, dist, dir, "shared", r1.password(),
                    TopicAclsIT.documentedBlock(SHARED_MARKER));
            assertFalse(outShared.contains("rror"), outShared);
            String shared = forgeDuring(broker, r1, BASE, dir, "shared", List.of("--bootstrap-server",
                    broker.sslBootstrapServers(), "--producer-config", producerConfig.toString(), "--to", "r3",
                    "--wait", "60", "--receipts-topic-mode", "shared", "ghost.rpz=" + ghost), 0);
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
        assertFalse(run.isDone(), "the publisher still waits for receipts when the forged one is written");
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

    /** Every receipt in {@code topic}, read on the broker's own plaintext listener. */
    private static List<Receipt> receipts(BrokerProcess broker, String topic) {
        List<Receipt> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            Await.until("reading " + topic, Duration.ofSeconds(30), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> found.add(Receipt.fromJson(r.value())));
                return consumer.position(partition) >= end;
            });
        }
        return found;
    }
}
