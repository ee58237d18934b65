package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.UUID;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.kresconnect.filesink.docs.DocBlocks;

/**
 * docs/security.md's "Topic ACLs" block, run as written by bash against a broker with an authorizer (the
 * distribution's kafka-acls.sh, the admin's admin.properties in the working directory; only the broker's
 * address is replaced, in {@link #onThisSite}), after the page's kafka-configs.sh block created the host's SCRAM
 * user (its {@code $PASSWORD} set in {@link #siteValues}), and a real worker as shipped (config/worker-sasl-ssl.properties,
 * resolver-sink.properties with its receipts.producer.* lines uncommented) authenticating as User:resolver1:
 * without the block's first line (Read on the topic) the task cannot consume; with the whole block a file is
 * delivered, its receipt arrives in the host's own receipts topic, where the publisher's principal reads it, and a
 * rejected record goes to the dead letter queue; and the host still cannot read its receipts or the dead letter
 * queue, nor write files or another host's receipts (one whose name has this host's as a prefix), nor the
 * publisher write receipts: the page gives them no ACL for it.
 */
class TopicAclsIT {
    static final String ACLS = "<!-- topic-acls -->";
    private static final String SCRAM_USER = "<!-- scram-user -->";
    private static final String DOCUMENTED_BOOTSTRAP = "kafka1.example.net:9092";
    static final String SHIPPED_SECRETS_DIR = "/etc/knot-resolver/kafka";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void aHostWithExactlyTheDocumentedAclsDeliversAndNothingMore() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/topic-acls");
        RealWorkerScenario.deleteRecursively(dir);
        TlsMaterial tls = TlsMaterial.create(dir.resolve("tls"));
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        String hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        String topic = ShippedConfig.value("resolver-sink.properties", "topics");
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receiptsTopic = ShippedConfig.receiptsTopicOf(hostname); // this host's own, as shipped
        String password = "test-" + UUID.randomUUID();
        BrokerProcess.ScramUser host = new BrokerProcess.ScramUser(
                ShippedConfig.value("worker-sasl-ssl.properties", "sasl.mechanism"), hostname, password);
        BrokerProcess.ScramUser publisher = new BrokerProcess.ScramUser("SCRAM-SHA-512", "publisher",
                "publisher-" + UUID.randomUUID());
        Files.writeString(tls.clientPemDir.resolve("sasl.password"), password, StandardCharsets.UTF_8);
        List<String> block = documentedBlock(ACLS);
        String otherReceipts = ShippedConfig.receiptsTopicOf(hostname + "0"); // its name has this host's as prefix

        try (BrokerProcess broker = BrokerProcess.startWithAuthorizer(dist, dir.resolve("broker"),
                dir.resolve("broker"), tls, List.of(publisher))) {
            // The host's user, created as the page says (kafka-configs.sh, as the admin).
            runBlock(broker, dist, dir, "scram-user", password, documentedBlock(SCRAM_USER));
            broker.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(dlqTopic, 1, (short) 1),
                    new NewTopic(receiptsTopic, 1, (short) 1), new NewTopic(otherReceipts, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            Path filesDir = Files.createDirectories(dir.resolve("files"));
            Path pluginPath = dir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"), Map.of(
                    "files.dir", filesDir.toString(),
                    "manager.socket.path", dir.resolve("kres-api.sock").toString(),
                    "receipts.bootstrap.servers", broker.sslBootstrapServers()),
                    Map.of(SHIPPED_SECRETS_DIR, tls.clientPemDir.toString()), "receipts.producer.");

            // Every ACL of the block but its first line's (Read and Describe on the topic): the task cannot consume.
            assertTrue(block.get(1).contains("--operation Read") && block.get(1).endsWith("--topic " + topic)
                    && block.get(2).startsWith("kafka-acls.sh "), "the block starts with the topic's Read ACL: " + block);
            runBlock(broker, dist, dir, "without-topic-read", password, block.subList(2, block.size()));
            try (StandaloneWorkerProcess connect = startWorker(dist, dir, broker, tls, pluginPath, sink)) {
                JsonNode failed = awaitTaskFailed(connect, name);
                assertTrue(failed.path("trace").asText().contains("TopicAuthorizationException")
                        && failed.path("trace").asText().contains(topic), failed.toString());
            }

            // The block as written: the file is delivered, its receipt arrives, a rejected record reaches the DLQ.
            String acls = runBlock(broker, dist, dir, "as-written", password, block);
            assertFalse(acls.contains("rror"), acls);
            Path publisherConfig = publisherWrites(broker, dir, publisher, topic);
            try (StandaloneWorkerProcess connect = startWorker(dist, dir, broker, tls, pluginPath, sink)) {
                connect.awaitRunning(name, TIMEOUT);
                byte[] zone = "acl.example. CNAME rpz-passthru.\n".getBytes(StandardCharsets.UTF_8);
                Path zoneFile = Files.write(dir.resolve("acl.rpz"), zone);
                // Published as User:publisher, which reads the host's receipts through the block's prefixed ACL.
                String published = PublisherProcess.publish(dir, "acl", List.of("--bootstrap-server",
                        broker.sslBootstrapServers(), "--producer-config", publisherConfig.toString(),
                        "--to", hostname, "--wait", "60", "acl.rpz=" + zoneFile));
                assertTrue(published.lines().anyMatch(l -> l.startsWith(hostname + "  published acl.rpz")),
                        "the receipt arrived in " + receiptsTopic + ":\n" + published);
                assertTrue(FileDeliveryScenario.sameContent(filesDir.resolve("acl.rpz"), zone));

                byte[] orphan = "no recipient\n".getBytes(StandardCharsets.UTF_8);
                try (KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(broker.bootstrapServers())) {
                    producer.send(FileDeliveryScenario.record(null, null, "orphan.rpz", orphan, 0, 0))
                            .get(30, TimeUnit.SECONDS);
                }
                ConsumerRecord<byte[], byte[]> rejected = FileDeliveryScenario.awaitDeadLetter(
                        broker.bootstrapServers(), dlqTopic, "orphan.rpz", connect);
                assertArrayEquals(orphan, rejected.value());
                connect.awaitRunning(name, Duration.ofSeconds(10));
                assertFalse(connect.logText().contains("AuthorizationException"), connect.tail());
            }

            // What the page gives the host no ACL for stays refused.
            assertCannotRead(broker, host, receiptsTopic);
            assertCannotRead(broker, host, dlqTopic);
            assertCannotWrite(broker, host, topic);
            assertCannotWrite(broker, host, otherReceipts);
            assertCannotWrite(broker, publisher, receiptsTopic);
        }
    }

    /**
     * The one place where the documented blocks meet this machine: the broker's address, and the host's password
     * as the page's {@code $PASSWORD}. kafka-acls.sh and kafka-configs.sh are the distribution's, first on PATH;
     * admin.properties is the admin's client config, in the working directory.
     */
    private static String onThisSite(String line, BrokerProcess broker) {
        return line.replace(DOCUMENTED_BOOTSTRAP, broker.sslBootstrapServers());
    }

    private static List<String> siteValues(String password) {
        return List.of("PASSWORD='" + password + "'");
    }

    static List<String> documentedBlock(String marker) {
        List<DocBlocks.Block> marked = DocBlocks.all().stream().filter(b -> marker.equals(b.lineBefore())).toList();
        assertEquals(1, marked.size(), "one block after " + marker);
        return marked.get(0).commands();
    }

    /**
     * What the rest of the security page grants the publisher: Write on the data topic; returns the publisher's
     * client config (its SCRAM login over SASL_SSL) for {@code --producer-config}.
     */
    static Path publisherWrites(BrokerProcess broker, Path dir, BrokerProcess.ScramUser publisher, String topic)
            throws Exception {
        broker.tool("kafka-acls.sh", "--add", "--allow-principal", "User:" + publisher.name(), "--operation",
                "Write", "--operation", "Describe", "--topic", topic);
        Path config = dir.resolve("publisher.properties");
        List<String> lines = new ArrayList<>();
        broker.clientProperties(publisher).forEach((k, v) -> lines.add(k + "=" + v));
        Files.write(config, lines, StandardCharsets.UTF_8);
        return config;
    }

    static String runBlock(BrokerProcess broker, KafkaDistribution dist, Path dir, String label,
            String password, List<String> lines) throws Exception {
        Path work = Files.createDirectories(dir.resolve("block-" + label));
        Files.copy(broker.adminConfig(), work.resolve("admin.properties"));
        List<String> script = new ArrayList<>(List.of("set -euo pipefail", "export PATH=" + dist.binDir() + ":$PATH"));
        script.addAll(siteValues(password));
        lines.forEach(line -> script.add(onThisSite(line, broker)));
        Path file = Files.write(work.resolve("block.sh"), script, StandardCharsets.UTF_8);
        Path log = work.resolve("block.log");
        LoggedProcess.run("the documented block (" + label + ")", List.of("bash", file.toString()), work, log,
                Duration.ofMinutes(3));
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    static StandaloneWorkerProcess startWorker(KafkaDistribution dist, Path dir, BrokerProcess broker,
            TlsMaterial tls, Path pluginPath, Path sink) throws Exception {
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker-sasl-ssl.properties", dir, broker.sslBootstrapServers(), restPort,
                pluginPath, Map.of(), Map.of(SHIPPED_SECRETS_DIR, tls.clientPemDir.toString()));
        return StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker-" + restPort + ".log"), restPort, worker,
                sink);
    }

    private static JsonNode awaitTaskFailed(StandaloneWorkerProcess connect, String name) {
        JsonNode[] task = new JsonNode[1];
        Await.until("the task to fail", TIMEOUT, () -> {
            JsonNode tasks = connect.getJson("/connectors/" + name + "/status").path("tasks");
            task[0] = tasks.size() == 1 ? tasks.get(0) : null;
            return task[0] != null && "FAILED".equals(task[0].path("state").asText());
        }, connect::tail);
        return task[0];
    }

    static void assertCannotRead(BrokerProcess broker, BrokerProcess.ScramUser user, String topic) {
        Map<String, Object> config = new HashMap<>(broker.clientProperties(user));
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.sslBootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            assertThrows(TopicAuthorizationException.class, () -> {
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofSeconds(1));
                }
            }, user.name() + " reads " + topic);
        }
    }

    static void assertCannotWrite(BrokerProcess broker, BrokerProcess.ScramUser user, String topic) {
        Map<String, Object> config = new HashMap<>(broker.clientProperties(user));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.sslBootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(topic, new byte[1])).get(30, TimeUnit.SECONDS), user.name() + " writes " + topic);
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), user.name() + " writes " + topic);
        }
    }
}
