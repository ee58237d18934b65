package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;

/**
 * Signed delivery end to end: a key pair made by {@code resolver-publish keygen}, the public key given to a real
 * worker through a config provider (the {@code dir:} provider reading a PEM file), files sent by
 * {@code resolver-publish --sign}. One connector requires signatures: signed files land; tampered bytes, a
 * signature for another name, for another recipient, by an unknown key, and an unsigned record are each rejected
 * with their reason into the dead letter queue, and the file in place stays byte-identical. A second connector
 * on the same worker trusts the key without requiring signatures: upstream-style unsigned records still land
 * there, and signed ones are verified.
 */
final class SignedDeliveryScenario {
    static final String TOPIC = FileDeliveryScenario.TOPIC;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String STRICT_HOST = "resolver1";
    private static final String OPEN_HOST = "resolver-open";

    private final KafkaDistribution dist;
    private final String bootstrapServers;
    private final Admin admin;
    private final Path workDir;

    SignedDeliveryScenario(KafkaDistribution dist, String bootstrapServers, Admin admin, Path workDir) {
        this.dist = dist;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        this.workDir = workDir;
    }

    void run() throws Exception {
        String strictDlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String openDlq = strictDlq + "-open";
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1), new NewTopic(strictDlq, 1, (short) 1),
                new NewTopic(openDlq, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

        // The operator's side: a key pair, the public key in a file the worker reads through a config provider.
        Path keys = Files.createDirectories(workDir.resolve("keys"));
        String keygen = PublisherProcess.publish(workDir, "keygen", List.of("keygen", "--out",
                keys.resolve("publisher").toString()));
        Path privateKey = keys.resolve("publisher.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)));
        String keyId = Signatures.keyId(Signatures.parsePublicKeys(Files.readString(keys.resolve("publisher.pub")))
                .get(0));
        assertTrue(keygen.contains("Key id: " + keyId), keygen);
        Path trusted = Files.createDirectories(workDir.resolve("worker-secrets"));
        Files.copy(keys.resolve("publisher.pub"), trusted.resolve("trusted-keys.pem"));
        String trustedKeys = "${dir:" + trusted + ":trusted-keys.pem}";

        Path pluginPath = workDir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker.properties", workDir, bootstrapServers, restPort, pluginPath,
                Map.of(), Map.of());
        append(worker, "config.providers=dir",
                "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider");

        Path strictFiles = Files.createDirectories(workDir.resolve("files-strict"));
        Path openFiles = Files.createDirectories(workDir.resolve("files-open"));
        String strictName = ShippedConfig.value("resolver-sink.properties", "name");
        String openName = strictName + "-open";
        Path strictSink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("strict-sink.properties"),
                Map.of("files.dir", strictFiles.toString(), "resolver.hostname", STRICT_HOST,
                        "manager.socket.path", workDir.resolve("none.sock").toString()));
        append(strictSink, "manager.notify.enabled=false", "signatures.required=true",
                "signatures.trusted.keys=" + trustedKeys);
        Path openSink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("open-sink.properties"),
                Map.of("name", openName, "files.dir", openFiles.toString(), "resolver.hostname", OPEN_HOST,
                        "errors.deadletterqueue.topic.name", openDlq,
                        "manager.socket.path", workDir.resolve("none.sock").toString()));
        append(openSink, "manager.notify.enabled=false", "signatures.trusted.keys=" + trustedKeys);

        Random random = new Random(7);
        byte[] zone = new byte[10_000];
        random.nextBytes(zone);
        byte[] config = "network:\n  listen:\n    - interface: 127.0.0.1@5353\n".getBytes(StandardCharsets.UTF_8);
        Path outbox = Files.createDirectories(workDir.resolve("outbox"));
        Files.write(outbox.resolve("signed.rpz"), zone);
        Files.write(outbox.resolve("config.yaml"), config);
        byte[] replacement = "replacement.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
        Files.write(outbox.resolve("replacement.rpz"), replacement);

        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, workDir, workDir.resolve("worker.log"),
                restPort, worker, strictSink, openSink)) {
            connect.awaitRunning(strictName, TIMEOUT);
            connect.awaitRunning(openName, TIMEOUT);

            // Signed with the publisher, in chunks: accepted by both.
            String sent = publish("signed", "--to", STRICT_HOST, "--to", OPEN_HOST, "--sign", privateKey.toString(),
                    "--chunk-size", "4096", "signed.rpz=" + outbox.resolve("signed.rpz"),
                    "config.yaml=" + outbox.resolve("config.yaml"));
            assertTrue(sent.contains("Done: 2 files"), sent);
            Await.until("the signed files in both files directories", TIMEOUT, () ->
                    FileDeliveryScenario.sameContent(strictFiles.resolve("signed.rpz"), zone)
                            && FileDeliveryScenario.sameContent(strictFiles.resolve("config.yaml"), config)
                            && FileDeliveryScenario.sameContent(openFiles.resolve("signed.rpz"), zone), connect::tail);
            Map<String, byte[]> inPlace = snapshot(strictFiles);

            // Every bad record addresses signed.rpz on the strict host, with content that would replace it.
            PrivateKey key = Signatures.parsePrivateKey(Files.readString(privateKey));
            KeyPair stranger = Signatures.generateKeyPair();
            long version = System.currentTimeMillis();
            Map<String, String> cases = new LinkedHashMap<>(); // transfer id -> what is wrong with it
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                byte[] tampered = replacement.clone();
                tampered[0] ^= 1;
                cases.put(send(producer, STRICT_HOST, "signed.rpz", replacement, tampered, key, keyId, STRICT_HOST,
                        "signed.rpz", version), "tampered bytes");
                cases.put(send(producer, STRICT_HOST, "signed.rpz", replacement, replacement, key, keyId,
                        STRICT_HOST, "other.rpz", version), "a wrong name");
                cases.put(send(producer, STRICT_HOST, "signed.rpz", replacement, replacement, key, keyId,
                        "resolver2", "signed.rpz", version), "a wrong recipient");
                cases.put(send(producer, STRICT_HOST, "signed.rpz", replacement, replacement, stranger.getPrivate(),
                        Signatures.keyId(stranger.getPublic()), STRICT_HOST, "signed.rpz", version), "an unknown key");
            }
            publish("unsigned", "--to", STRICT_HOST, "signed.rpz=" + outbox.resolve("replacement.rpz"));
            // Upstream-style (no integrity, no signature) to the connector that does not require signatures.
            byte[] upstream = "upstream.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
            try (KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(bootstrapServers)) {
                FileDeliveryScenario.send(producer, OPEN_HOST, "upstream.rpz", upstream, 0, 0);
                FileDeliveryScenario.send(producer, STRICT_HOST, "upstream.rpz", upstream, 0, 0);
            }

            // Each case by its transfer id (the unsigned ones by what they lack), whatever the order of rejections.
            Map<String, String> reasons = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : awaitDeadLetters(strictDlq, 6, connect)) {
                String transferId = FileDeliveryScenario.headerText(record, "transfer-id");
                String which = cases.getOrDefault(transferId, transferId.isEmpty() ? "upstream-style unsigned"
                        : "unsigned (resolver-publish without --sign)");
                assertEquals(null, reasons.put(which, FileDeliveryScenario.headerText(record,
                        "__connect.errors.exception.message")), "one dead letter per case: " + which);
            }
            System.out.println("Rejections in the dead letter queue:");
            reasons.forEach((which, reason) -> System.out.println("  " + which + ": " + reason));
            assertEquals(6, reasons.size(), reasons.toString());
            assertTrue(reasons.get("tampered bytes").contains("SHA-256"), reasons.toString());
            assertTrue(reasons.get("a wrong name").contains("does not match file 'signed.rpz' for hostname "
                    + "'resolver1'"), reasons.toString());
            assertTrue(reasons.get("a wrong recipient").contains("does not match"), reasons.toString());
            assertTrue(reasons.get("an unknown key").contains("not in signatures.trusted.keys [" + keyId + "]"),
                    reasons.toString());
            assertTrue(reasons.get("unsigned (resolver-publish without --sign)").contains("not signed"),
                    reasons.toString());
            assertTrue(reasons.get("upstream-style unsigned").contains("not signed"), reasons.toString());

            Await.until("the upstream-style record where signatures are not required", TIMEOUT,
                    () -> FileDeliveryScenario.sameContent(openFiles.resolve("upstream.rpz"), upstream), connect::tail);
            Map<String, byte[]> after = snapshot(strictFiles);
            assertEquals(inPlace.keySet(), after.keySet(), "no file appeared or vanished");
            inPlace.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " is byte-identical"));
            assertFalse(Files.exists(strictFiles.resolve("signed.rpz.backup")), "nothing replaced signed.rpz");
            long openDeadLetters = admin.listOffsets(Map.of(new TopicPartition(openDlq, 0),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS)
                    .get(new TopicPartition(openDlq, 0)).offset();
            assertEquals(0, openDeadLetters,
                    "where signatures are not required, signed and unsigned records were all applied");
            assertTrue(connect.logText().contains("Signatures: signatures.required=true, trusted key ids [" + keyId
                    + "]"), "the worker log names the trusted key");
        }
    }

    /**
     * One whole file whose signature covers {@code signedName} for {@code signedFor}, announcing {@code announced}
     * and carrying {@code value}; returns its transfer id.
     */
    private static String send(KafkaProducer<byte[], byte[]> producer, String host, String name,
            byte[] announced, byte[] value, PrivateKey key, String keyId, String signedFor, String signedName,
            long version) throws Exception {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(announced.length,
                TransferIntegrity.newSha256().digest(announced));
        SignedVersion signed = new SignedVersion(keyId, version, Signatures.sign(key,
                new SignedFile(signedName, RecipientKind.HOSTNAME, signedFor, integrity, version)));
        producer.send(FileRecords.record(TOPIC, 0, RecipientMode.HOSTNAME, host, name, 1, 1, integrity, signed, value))
                .get(30, TimeUnit.SECONDS);
        return integrity.transferId();
    }

    private String publish(String label, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrapServers, "--topic", TOPIC));
        command.addAll(List.of(args));
        return PublisherProcess.publish(workDir, label, command);
    }

    private static void append(Path properties, String... lines) throws IOException {
        Files.writeString(properties, "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    /** Every file outside the connector's state directory, with its bytes. */
    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(p).toString();
                if (!name.startsWith(".resolver-file-sink")) {
                    files.put(name, Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    private List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(String topic, int count,
            StandaloneWorkerProcess connect) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            Await.until(count + " dead letter records in " + topic, TIMEOUT, () -> {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                return received.size() >= count;
            }, connect::tail);
            consumer.poll(Duration.ofSeconds(2)).forEach(received::add);
        }
        assertEquals(count, received.size(), "exactly the bad records are in the dead letter queue");
        return received;
    }
}
