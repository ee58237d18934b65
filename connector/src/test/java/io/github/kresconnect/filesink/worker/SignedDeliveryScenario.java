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
import java.util.Arrays;
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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;

/**
 * Signed delivery end to end: a key pair made by {@code resolver-publish keygen}, the public key given to a real
 * worker through a config provider (the {@code dir:} provider reading a PEM file), files sent by
 * {@code resolver-publish --sign} (two files for two hosts: four transfers under one signature). One connector
 * requires signatures: signed files land, and so do files signed together and sent by hand; tampered bytes, a
 * signature for another name, for another recipient, by an unknown key, a file of a batch whose signature was
 * already verified but sent under another name, and an unsigned record are each rejected with their reason into
 * the dead letter queue, and the file in place stays byte-identical. So are, sent by
 * hand with a raw producer, an older signed version of a file in place and a chunked transfer whose assembled
 * SHA-256 differs from the (validly signed) announced one; the same signed version with identical content
 * again changes nothing. A second connector on the same worker trusts the key without requiring signatures:
 * upstream-style unsigned records still land there, signed ones are verified, and a transfer sent in reverse
 * order after an aborted transfer of the same file lands exactly as sent, never mixed with the aborted one.
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

            PrivateKey key = Signatures.parsePrivateKey(Files.readString(privateKey));
            KeyPair stranger = Signatures.generateKeyPair();
            long version = System.currentTimeMillis();
            // A signed file at a known version, in two chunks, sent by hand: versioned.rpz at version v.
            byte[] versioned = new byte[6_000];
            random.nextBytes(versioned);
            List<ProducerRecord<byte[], byte[]>> versionedRecords = transfer(STRICT_HOST, "versioned.rpz",
                    integrity(versioned), List.of(Arrays.copyOfRange(versioned, 0, 3_000),
                            Arrays.copyOfRange(versioned, 3_000, 6_000)), key, keyId, version);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                sendAll(producer, versionedRecords);
            }
            Await.until("versioned.rpz at version " + version, TIMEOUT,
                    () -> FileDeliveryScenario.sameContent(strictFiles.resolve("versioned.rpz"), versioned),
                    connect::tail);
            // Three files signed together (one signature, a proof each), as resolver-publish signs a run; the
            // first two are sent as they are, the third later, renamed (below).
            byte[] member = "member.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
            List<TransferIntegrity> memberIntegrity = List.of(integrity(member), integrity(member), integrity(member));
            List<SignedFile> members = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                members.add(new SignedFile("member-" + i + ".rpz", RecipientKind.HOSTNAME, STRICT_HOST,
                        memberIntegrity.get(i), version));
            }
            List<SignedVersion> memberSignatures = SignatureBatch.sign(key, keyId, members,
                    SignatureBatch.PUBLISHER_LEAVES);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                for (int i = 0; i < 2; i++) {
                    producer.send(FileRecords.record(TOPIC, 0, RecipientMode.HOSTNAME, STRICT_HOST,
                            "member-" + i + ".rpz", 1, 1, memberIntegrity.get(i), memberSignatures.get(i), member))
                            .get(30, TimeUnit.SECONDS);
                }
            }
            Await.until("two files signed together", TIMEOUT,
                    () -> FileDeliveryScenario.sameContent(strictFiles.resolve("member-0.rpz"), member)
                            && FileDeliveryScenario.sameContent(strictFiles.resolve("member-1.rpz"), member),
                    connect::tail);
            Map<String, byte[]> inPlace = snapshot(strictFiles);
            Object versionedFileKey = Files.readAttributes(strictFiles.resolve("versioned.rpz"),
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            java.nio.file.attribute.FileTime versionedMtime = Files.getLastModifiedTime(
                    strictFiles.resolve("versioned.rpz"));

            // Every bad record addresses a file in place on the strict host, with content that would replace it.
            Map<String, String> cases = new LinkedHashMap<>(); // transfer id -> what is wrong with it
            String announcedSha;
            String carriedSha;
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
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

                // The third file signed together with the two in place, sent as signed.rpz: the batch's signature
                // was verified, but this record's name leads to another root.
                producer.send(FileRecords.record(TOPIC, 0, RecipientMode.HOSTNAME, STRICT_HOST, "signed.rpz", 1, 1,
                        memberIntegrity.get(2), memberSignatures.get(2), member)).get(30, TimeUnit.SECONDS);
                cases.put(memberIntegrity.get(2).transferId(), "a renamed file of a batch");

                // Other content for versioned.rpz, validly signed, but 1000 ms older than the version in place.
                byte[] older = "older.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
                TransferIntegrity olderIntegrity = integrity(older);
                sendAll(producer, transfer(STRICT_HOST, "versioned.rpz", olderIntegrity, List.of(older), key, keyId,
                        version - 1000));
                cases.put(olderIntegrity.transferId(), "an older version");

                // Three chunks whose headers announce one SHA-256 and whose bytes assemble to another; the
                // signature covers the announced digest, so it verifies and only the assembled content is wrong.
                byte[] announced = new byte[9_000];
                random.nextBytes(announced);
                byte[] carried = announced.clone();
                carried[7_500] ^= 1;
                announcedSha = TransferIntegrity.sha256HexOf(announced);
                carriedSha = TransferIntegrity.sha256HexOf(carried);
                TransferIntegrity mismatch = integrity(announced);
                sendAll(producer, transfer(STRICT_HOST, "signed.rpz", mismatch, List.of(
                        Arrays.copyOfRange(carried, 0, 3_000), Arrays.copyOfRange(carried, 3_000, 6_000),
                        Arrays.copyOfRange(carried, 6_000, 9_000)), key, keyId, version + 1));
                cases.put(mismatch.transferId(), "an assembled digest that does not match");

                // versioned.rpz's own records again: the same version with identical content changes nothing.
                sendAll(producer, versionedRecords);
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
            for (ConsumerRecord<byte[], byte[]> record : awaitDeadLetters(strictDlq, 9, connect)) {
                String transferId = FileDeliveryScenario.headerText(record, "transfer-id");
                String which = cases.getOrDefault(transferId, transferId.isEmpty() ? "upstream-style unsigned"
                        : "unsigned (resolver-publish without --sign)");
                assertEquals(null, reasons.put(which, FileDeliveryScenario.headerText(record,
                        "__connect.errors.exception.message")), "one dead letter per case: " + which);
            }
            System.out.println("Rejections in the dead letter queue:");
            reasons.forEach((which, reason) -> System.out.println("  " + which + ": " + reason));
            assertEquals(9, reasons.size(), reasons.toString());
            assertTrue(reasons.get("a renamed file of a batch").contains("does not match file 'signed.rpz' for "
                    + "hostname 'resolver1'") && reasons.get("a renamed file of a batch").contains("(leaf 2 of 3 "
                    + "signed together)"), reasons.toString());
            assertTrue(reasons.get("tampered bytes").contains("SHA-256"), reasons.toString());
            assertTrue(reasons.get("a wrong name").contains("does not match file 'signed.rpz' for hostname "
                    + "'resolver1'"), reasons.toString());
            assertTrue(reasons.get("a wrong recipient").contains("does not match"), reasons.toString());
            assertTrue(reasons.get("an unknown key").contains("not in signatures.trusted.keys [" + keyId + "]"),
                    reasons.toString());
            assertTrue(reasons.get("unsigned (resolver-publish without --sign)").contains("not signed"),
                    reasons.toString());
            assertTrue(reasons.get("upstream-style unsigned").contains("not signed"), reasons.toString());
            assertTrue(reasons.get("an older version").contains("replayed or older version: 'versioned.rpz' version "
                    + (version - 1000) + " is older than version " + version + " in place"), reasons.toString());
            String mismatchReason = reasons.get("an assembled digest that does not match");
            assertTrue(mismatchReason.contains("SHA-256 " + carriedSha) && mismatchReason.contains("SHA-256 "
                    + announcedSha), "names the assembled and the announced SHA-256: " + mismatchReason);

            // The replay of versioned.rpz was applied as unchanged: nothing replaced, nothing to reload.
            Await.until("the replayed versioned.rpz reported unchanged", TIMEOUT, () -> connect.logText().lines()
                    .anyMatch(l -> l.contains("'versioned.rpz'") && l.contains("equals the current file; nothing "
                            + "replaced")), connect::tail);
            assertEquals(versionedFileKey, Files.readAttributes(strictFiles.resolve("versioned.rpz"),
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey(), "versioned.rpz is the same inode");
            assertEquals(versionedMtime, Files.getLastModifiedTime(strictFiles.resolve("versioned.rpz")),
                    "versioned.rpz was not rewritten");
            assertEquals(1, connect.logText().lines().filter(l -> l.contains("Published 'versioned.rpz'")).count(),
                    "versioned.rpz was published once, so nothing was reloaded for the replay");

            Await.until("the upstream-style record where signatures are not required", TIMEOUT,
                    () -> FileDeliveryScenario.sameContent(openFiles.resolve("upstream.rpz"), upstream), connect::tail);

            // Where signatures are not required: transfer A of a file stops after chunk 1 of 3, then transfer B
            // of the same file arrives as chunks 3, 2, 1; once signed, once unsigned (both with transfer ids).
            // Every chunk of A and B has the same length, so a mix would have the right size.
            for (boolean signed : new boolean[] {true, false}) {
                String name = signed ? "reversed-signed.rpz" : "reversed.rpz";
                byte[] a = new byte[12_000];
                byte[] b = new byte[12_000];
                random.nextBytes(a);
                random.nextBytes(b);
                List<byte[]> aChunks = thirds(a);
                List<byte[]> bChunks = thirds(b);
                List<ProducerRecord<byte[], byte[]>> aRecords = transfer(OPEN_HOST, name, integrity(a), aChunks,
                        signed ? key : null, keyId, version);
                List<ProducerRecord<byte[], byte[]>> bRecords = transfer(OPEN_HOST, name, integrity(b), bChunks,
                        signed ? key : null, keyId, version + 1);
                try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                    sendAll(producer, List.of(aRecords.get(0), bRecords.get(2), bRecords.get(1), bRecords.get(0)));
                }
                Await.until(name + ": transfer B, sent in reverse order after A's first chunk", TIMEOUT,
                        () -> Files.exists(openFiles.resolve(name)), connect::tail);
                assertArrayEquals(b, Files.readAllBytes(openFiles.resolve(name)), name + " is exactly transfer B");
                String bTransferId = new String(bRecords.get(0).headers().lastHeader("transfer-id").value(),
                        StandardCharsets.UTF_8);
                assertTrue(connect.logText().contains("Discarded the incomplete transfer of '" + name + "' (1 of 3 "
                        + "chunks held): transfer " + bTransferId + " of the same file began"),
                        "transfer A was discarded when B began");
            }
            Map<String, byte[]> after = snapshot(strictFiles);
            assertEquals(inPlace.keySet(), after.keySet(), "no file appeared or vanished");
            inPlace.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " is byte-identical"));
            assertFalse(Files.exists(strictFiles.resolve("signed.rpz.backup")), "nothing replaced signed.rpz");
            long openDeadLetters = admin.listOffsets(Map.of(new TopicPartition(openDlq, 0),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS)
                    .get(new TopicPartition(openDlq, 0)).offset();
            assertEquals(0, openDeadLetters,
                    "where signatures are not required, signed and unsigned records were all applied");
            assertTrue(connect.logText().contains("Signatures: signatures.required=true, signatures.fleet='', "
                    + "trusted keys [" + keyId + " [roles=data,config]]"), "the worker log names the trusted key");
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

    private KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A new transfer id, with the content's length and SHA-256. */
    private static TransferIntegrity integrity(byte[] content) {
        return TransferIntegrity.forNewTransfer(content.length, TransferIntegrity.newSha256().digest(content));
    }

    private static List<byte[]> thirds(byte[] content) {
        int third = content.length / 3;
        return List.of(Arrays.copyOfRange(content, 0, third), Arrays.copyOfRange(content, third, 2 * third),
                Arrays.copyOfRange(content, 2 * third, content.length));
    }

    /**
     * The records of one transfer of {@code name} to {@code host}, chunk 1 first, as the publisher makes them:
     * signed by {@code key} at {@code version} over the announced {@code integrity} (unsigned when key is null).
     */
    private static List<ProducerRecord<byte[], byte[]>> transfer(String host, String name,
            TransferIntegrity integrity, List<byte[]> chunks, PrivateKey key, String keyId, long version) {
        SignedVersion signed = key == null ? null : new SignedVersion(keyId, version, Signatures.sign(key,
                new SignedFile(name, RecipientKind.HOSTNAME, host, integrity, version)));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            records.add(FileRecords.record(TOPIC, 0, RecipientMode.HOSTNAME, host, name, i + 1, chunks.size(),
                    integrity, signed, chunks.get(i)));
        }
        return records;
    }

    private static void sendAll(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        for (ProducerRecord<byte[], byte[]> record : records) {
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    private String publish(String label, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrapServers, "--topic", TOPIC));
        command.addAll(List.of(args));
        return PublisherProcess.publish(workDir, label, command);
    }

    static void append(Path properties, String... lines) throws IOException {
        Files.writeString(properties, "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    /** Every file outside the connector's state directory, with its bytes. */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
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
        return awaitDeadLetters(bootstrapServers, topic, count, connect);
    }

    /** Reads {@code topic}'s partition 0 from its beginning until {@code count} records are there, and asserts no more. */
    static List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(String bootstrapServers, String topic, int count,
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
