package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.receipts.Receipt;
import io.github.kresconnect.filesink.receipts.ReceiptChannel;

/**
 * Freshness statements end to end, on Kafka 4.3.1 with the component zip in a real standalone worker and the
 * packaged publisher. The test plays the attacker who controls what the host reads: the publisher writes to an
 * upstream topic, and the test relays to the topic the host reads only what it chooses (it cannot change a signed
 * record). The host must report a withheld update, a freeze once the statement expires, and, after its files
 * directory is wiped, refuse an old signed version that the newest statement rules out.
 */
class FreshnessIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "resolver1";
    private static final String FLEET = "prod";
    private static final String SERVED = FileDeliveryScenario.TOPIC;
    private static final String UPSTREAM = SERVED + "-upstream";

    @Test
    void aWithheldUpdateAFreezeAndFloorsAfterAWipeAreDetected() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/freshness");
        RealWorkerScenario.deleteRecursively(dir);
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receiptsBase = ShippedConfig.value("resolver-sink.properties", "receipts.topic");
        String receipts = ReceiptChannel.PER_HOST.topicFor(receiptsBase, HOST);
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        try (BrokerProcess broker = BrokerProcess.start(dist, dir.resolve("broker"), dir.resolve("broker"))) {
            String bootstrap = broker.bootstrapServers();
            broker.admin().createTopics(List.of(new NewTopic(SERVED, 1, (short) 1), new NewTopic(UPSTREAM, 1,
                    (short) 1), new NewTopic(dlq, 1, (short) 1), new NewTopic(receipts, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            Path keys = Files.createDirectories(dir.resolve("keys"));
            PublisherProcess.publish(dir, "keygen", List.of("keygen", "--out", keys.resolve("publisher").toString()));
            Path key = keys.resolve("publisher.key");
            // Statements are signed by a key of their own, trusted only for role timestamp; the files' key may not
            // sign them. Both sides are in fleet "prod".
            PublisherProcess.publish(dir, "keygen-timestamp", List.of("keygen", "--out",
                    keys.resolve("timestamp").toString()));
            Path timestampKey = keys.resolve("timestamp.key");
            Path trusted = Files.writeString(keys.resolve("trusted.keys"), Files.readString(keys.resolve(
                    "publisher.pub")).strip() + "\n" + Files.readString(keys.resolve("timestamp.pub")).strip()
                    + "[roles=timestamp]\n");

            Path pluginPath = dir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            int restPort = FreePorts.next();
            Path worker = ShippedConfig.worker("worker.properties", dir, bootstrap, restPort, pluginPath, Map.of(),
                    Map.of());
            Files.writeString(worker, "\nconfig.providers=dir\nconfig.providers.dir.class="
                    + "org.apache.kafka.common.config.provider.DirectoryConfigProvider\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            Path filesDir = Files.createDirectories(dir.resolve("files"));
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"),
                    Map.of("files.dir", filesDir.toString(), "manager.socket.path", dir.resolve("none.sock").toString(),
                            "receipts.bootstrap.servers", bootstrap));
            ShippedConfig.append("resolver-sink.properties", sink, Map.of("manager.notify.enabled", "false",
                    "signatures.required", "true", "signatures.trusted.keys", "${dir:" + keys + ":trusted.keys}",
                    "signatures.fleet", FLEET, "freshness.withheld.after.ms", "1000")); // receipts per host, as shipped

            byte[] v1 = "v1.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
            byte[] v2 = "v2.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
            Path v1File = Files.write(dir.resolve("v1.rpz"), v1);
            Path v2File = Files.write(dir.resolve("v2.rpz"), v2);
            Relay relay = new Relay(bootstrap);
            try (ReceiptWatch watch = new ReceiptWatch(bootstrap, receipts)) {
                StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker-1.log"),
                        restPort, worker, sink);
                try {
                    connect.awaitRunning(name, TIMEOUT);
                    // Version 1 reaches the host.
                    PublisherProcess.publish(dir, "v1", List.of("--bootstrap-server", bootstrap, "--topic", SERVED,
                            "--sign", key.toString(), "--fleet", FLEET, "--to", HOST, "a.rpz=" + v1File));
                    Await.until("version 1 in place", TIMEOUT, () -> FileDeliveryScenario.sameContent(
                            filesDir.resolve("a.rpz"), v1), connect::tail);

                    // Two forged statements naming a.rpz far ahead (which would block every later version): one
                    // signed by the files' key, trusted without a scope (data and configuration only), one by the
                    // timestamp key but for another fleet. Each goes to the dead letter queue with its reason.
                    long farAhead = System.currentTimeMillis() + Duration.ofDays(300).toMillis();
                    relay.forgedStatement(key, FLEET, farAhead);
                    relay.forgedStatement(timestampKey, "staging", farAhead);
                    List<ConsumerRecord<byte[], byte[]>> refused = deadLetters(bootstrap, dlq, 2, connect);
                    assertEquals(2, refused.size(), "nothing but the two statements reaches the dead letter queue");
                    String byDataKey = header(refused.get(0), "__connect.errors.exception.message");
                    assertTrue(byDataKey.contains("may sign roles=data,config, not a freshness statement"), byDataKey);
                    String otherFleet = header(refused.get(1), "__connect.errors.exception.message");
                    assertTrue(otherFleet.contains("for fleet 'staging'") && otherFleet.contains("accepted only by "
                            + "the hosts of its fleet"), otherFleet);
                    assertTrue(FileDeliveryScenario.sameContent(filesDir.resolve("a.rpz"), v1));

                    // Version 2 is published upstream and withheld; the statement naming it is relayed.
                    PublisherProcess.publish(dir, "v2", List.of("--bootstrap-server", bootstrap, "--topic", UPSTREAM,
                            "--sign", key.toString(), "--fleet", FLEET, "--to", HOST, "a.rpz=" + v2File));
                    String issued = statement(dir, bootstrap, timestampKey, trusted, "600", "s1");
                    assertTrue(issued.contains("statement ") && issued.contains(" for fleet prod: 1 file(s) of 1 "
                            + "recipient(s)"), issued);
                    relay.statements();
                    Receipt withheld = watch.await("withheld", r -> Receipt.WITHHELD.equals(r.outcome()), connect);
                    assertEquals(List.of("a.rpz"), withheld.files().stream().map(Receipt.RequestFile::file).toList());
                    assertTrue(withheld.files().get(0).version() < farAhead, "the forged statements raised no "
                            + "stated version: " + withheld.files());
                    assertTrue(withheld.expiresEpochMs() > System.currentTimeMillis());
                    assertTrue(connect.logText().contains("Freshness: withheld: 1 file(s)"), connect.tail());
                    String status = PublisherProcess.publish(dir, "status-withheld", List.of("status",
                            "--bootstrap-server", bootstrap));
                    assertTrue(status.contains("freshness WITHHELD") && status.contains("Not fresh:"), status);
                    assertTrue(FileDeliveryScenario.sameContent(filesDir.resolve("a.rpz"), v1));

                    // The update arrives: fresh again.
                    relay.files("a.rpz", false);
                    Await.until("version 2 in place", TIMEOUT, () -> FileDeliveryScenario.sameContent(
                            filesDir.resolve("a.rpz"), v2), connect::tail);
                    watch.await("fresh", r -> Receipt.FRESH.equals(r.outcome()), connect);

                    // A statement that expires in 3 s, and none after it: a freeze.
                    statement(dir, bootstrap, timestampKey, trusted, "3", "s2");
                    relay.statements();
                    Receipt frozen = watch.await("frozen", r -> Receipt.FROZEN.equals(r.outcome()), connect);
                    assertTrue(frozen.reason().contains("expired"), frozen.reason());
                    assertTrue(connect.logText().contains("Freshness: frozen"), connect.tail());
                } finally {
                    connect.close();
                }

                // The files directory is wiped (a new host, or state lost); the consumer group resumes at the end.
                RealWorkerScenario.deleteRecursively(filesDir);
                Files.createDirectories(filesDir);
                connect = StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker-2.log"), restPort, worker, sink);
                try {
                    connect.awaitRunning(name, TIMEOUT);
                    statement(dir, bootstrap, timestampKey, trusted, "600", "s3");
                    relay.statements();
                    watch.await("withheld after the wipe", r -> Receipt.WITHHELD.equals(r.outcome()), connect);
                    // Version 1, validly signed, replayed: the statement's floor refuses it.
                    relay.replayServed("a.rpz", v1);
                    List<ConsumerRecord<byte[], byte[]>> deadLetters = deadLetters(bootstrap, dlq, 3, connect);
                    assertEquals(3, deadLetters.size(), "nothing but version 1 reaches the dead letter queue now");
                    ConsumerRecord<byte[], byte[]> dead = deadLetters.get(2);
                    assertEquals("a.rpz", header(dead, "file-name"));
                    String reason = header(dead, "__connect.errors.exception.message");
                    assertTrue(reason.contains("freshness statement names as the newest"), reason);
                    assertFalse(Files.exists(filesDir.resolve("a.rpz")), "version 1 must not be put in place");
                    relay.files("a.rpz", true); // the same records of version 2 as before the wipe
                    Await.until("version 2 in place after the wipe", TIMEOUT, () -> FileDeliveryScenario.sameContent(
                            filesDir.resolve("a.rpz"), v2), connect::tail);
                    watch.await("fresh after the wipe", r -> Receipt.FRESH.equals(r.outcome()), connect);
                } finally {
                    connect.close();
                }
            }
        }
    }

    private static String statement(Path dir, String bootstrap, Path key, Path trusted, String expiresIn,
            String label) throws Exception {
        return PublisherProcess.publish(dir, "statement-" + label, List.of("statement", "--bootstrap-server", bootstrap,
                "--topic", UPSTREAM, "--sign", key.toString(), "--trusted-keys", trusted.toString(), "--fleet", FLEET,
                "--expires-in", expiresIn));
    }

    /** The dead letter queue from its beginning, once it holds at least {@code count} records. */
    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String bootstrap, String dlq, int count,
            StandaloneWorkerProcess connect) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(dlq, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Await.until(count + " dead letter record(s)", TIMEOUT, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return received.size() >= count;
            }, connect::tail);
            consumer.poll(Duration.ofMillis(500)).forEach(received::add); // anything more arriving with them
        }
        return received;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The attacker between the publisher and the host: relays what it chooses, once each. */
    private static final class Relay {
        private final String bootstrap;
        private final Set<String> relayed = new HashSet<>();

        Relay(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        void statements() throws Exception {
            copy(UPSTREAM, r -> r.headers().lastHeader(FreshnessStatement.HEADER) != null, false);
        }

        void files(String fileName, boolean again) throws Exception {
            copy(UPSTREAM, r -> fileName.equals(header(r, "file-name")), again);
        }

        /**
         * Sends straight to the served topic a statement for {@code fleet}, signed with {@code signingKey}, naming
         * {@code version} for the host's a.rpz.
         */
        void forgedStatement(Path signingKey, String fleet, long version) throws Exception {
            PrivateKey signer = Signatures.parsePrivateKey(Files.readString(signingKey));
            long now = System.currentTimeMillis();
            FreshnessStatement forged = new FreshnessStatement(now, now, now + 600_000, List.of(
                    new FreshnessStatement.Entry(SignedFile.RecipientKind.HOSTNAME, HOST, "a.rpz", version)), fleet);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(SERVED, 0,
                    FreshnessStatement.RECORD_KEY.getBytes(StandardCharsets.UTF_8), forged.canonicalForm());
            record.headers().add(FreshnessStatement.HEADER, FreshnessStatement.HEADER_VALUE.getBytes(
                    StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.SIGNATURE_KEY_ID, Signatures.keyId(Signatures.publicKeyOf(signer))
                    .getBytes(StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.SIGNATURE, Signatures.sign(signer, forged.canonicalForm())
                    .getBytes(StandardCharsets.UTF_8));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }

        /** Sends again the served topic's records of the file whose content is {@code content}. */
        void replayServed(String fileName, byte[] content) throws Exception {
            copy(SERVED, r -> fileName.equals(header(r, "file-name")) && java.util.Arrays.equals(r.value(), content),
                    true);
        }

        private void copy(String from, Predicate<ConsumerRecord<byte[], byte[]>> wanted, boolean again)
                throws Exception {
            List<ConsumerRecord<byte[], byte[]>> chosen = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                TopicPartition partition = new TopicPartition(from, 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                Await.until("reading " + from, TIMEOUT, () -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        if (wanted.test(record) && (again || relayed.add(from + "@" + record.offset()))) {
                            chosen.add(record);
                        }
                    }
                    return consumer.position(partition) >= end;
                }, () -> from);
            }
            assertFalse(chosen.isEmpty(), "something to relay from " + from);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (ConsumerRecord<byte[], byte[]> record : chosen) {
                    producer.send(new ProducerRecord<>(SERVED, 0, record.key(), record.value(), record.headers()))
                            .get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The host's own receipts topic, read as it fills. */
    private static final class ReceiptWatch implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<Receipt> freshness = new ArrayList<>();
        private int seen;

        ReceiptWatch(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
        }

        /** The first freshness receipt after the ones already awaited that matches. */
        Receipt await(String what, Predicate<Receipt> wanted, StandaloneWorkerProcess connect) {
            Receipt[] found = new Receipt[1];
            Await.until("a freshness receipt: " + what, TIMEOUT, () -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Receipt receipt = Receipt.fromJson(record.value());
                    if (receipt.isFreshness()) {
                        assertEquals(HOST, receipt.host());
                        freshness.add(receipt);
                    }
                }
                while (found[0] == null && seen < freshness.size()) {
                    Receipt next = freshness.get(seen++);
                    if (wanted.test(next)) {
                        found[0] = next;
                    }
                }
                return found[0] != null;
            }, () -> freshness + "\n" + connect.tail());
            return found[0];
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
