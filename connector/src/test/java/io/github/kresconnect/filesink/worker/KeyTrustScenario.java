package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;

/**
 * One host in fleet {@code production} trusts six keys: a data key limited to its host name and to
 * {@code zones/*.rpz}, a configuration key, a key past its not-after, the old and the new key of a rotation (both
 * trusted during the overlap), and a revocation key. Legitimate files are published by {@code resolver-publish}
 * (versions above the newest a host reports, read from the receipts topic). Then, each to the dead letter queue
 * with its reason while every file in place stays byte-identical: the data key signing a configuration file and a
 * file outside its patterns, the expired key, a record signed for fleet {@code staging}, a record signed in form 1,
 * and two altered copies of a chunk of a transfer in flight (another chunk count, another length), which lands
 * intact. The old key, stolen, signs a file at version 2^62; a revocation list signed by the revocation key revokes
 * it and lowers the file's floor; the worker restarts; the stolen key's next record and a replay of its earlier
 * file are rejected as revoked, the new key's next publication lands, and a replay of the new key's earlier version
 * is rejected as a rollback.
 */
final class KeyTrustScenario {
    static final String TOPIC = FileDeliveryScenario.TOPIC;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "resolver1";
    private static final String FLEET = "production";

    private final KafkaDistribution dist;
    private final String bootstrapServers;
    private final Admin admin;
    private final Path workDir;

    KeyTrustScenario(KafkaDistribution dist, String bootstrapServers, Admin admin, Path workDir) {
        this.dist = dist;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        this.workDir = workDir;
    }

    /** A key pair, its private key written where the publisher reads it. */
    private record Key(KeyPair pair, String id, Path file) {
        static Key make(Path dir, String name) throws IOException {
            KeyPair pair = Signatures.generateKeyPair();
            Path file = dir.resolve(name + ".key");
            Files.writeString(file, Signatures.privateKeyPem(pair.getPrivate()));
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return new Key(pair, Signatures.keyId(pair.getPublic()), file);
        }

        String entry(String scope) {
            return Signatures.publicKeyOneLine(pair.getPublic()) + scope;
        }
    }

    void run() throws Exception {
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receiptsTopic = ShippedConfig.receiptsTopicOf(HOST); // the host's own, as shipped
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1), new NewTopic(dlq, 1, (short) 1),
                new NewTopic(receiptsTopic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

        Path keys = Files.createDirectories(workDir.resolve("keys"));
        Key data = Key.make(keys, "data");
        Key config = Key.make(keys, "config");
        Key expired = Key.make(keys, "expired");
        Key old = Key.make(keys, "old");
        Key rotated = Key.make(keys, "new");
        Key revoker = Key.make(keys, "revocation");
        String trusted = String.join(" ", data.entry("[roles=data; recipients=resolver?; files=zones/*.rpz]"),
                config.entry("[roles=config]"), expired.entry("[not-after=2020-01-01]"), old.entry(""),
                rotated.entry(""), revoker.entry("[roles=revocation]"));

        Path pluginPath = workDir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker.properties", workDir, bootstrapServers, restPort, pluginPath,
                Map.of(), Map.of());
        Path files = Files.createDirectories(workDir.resolve("files"));
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        Path sink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("sink.properties"),
                Map.of("files.dir", files.toString(), "resolver.hostname", HOST,
                        "receipts.bootstrap.servers", bootstrapServers,
                        "manager.socket.path", workDir.resolve("none.sock").toString()));
        SignedDeliveryScenario.append(sink, "manager.notify.enabled=false", "signatures.required=true",
                "signatures.fleet=" + FLEET, "signatures.trusted.keys=" + trusted);

        Random random = new Random(11);
        Path outbox = Files.createDirectories(workDir.resolve("outbox"));
        byte[] zoneA = write(outbox, "a.rpz", "a.example. CNAME .\n");
        byte[] yaml = write(outbox, "config.yaml", "network:\n  listen:\n    - interface: 127.0.0.1@5353\n");
        byte[] zoneB1 = write(outbox, "b1.rpz", "b.example. CNAME . ; signed by the old key\n");
        byte[] zoneB2 = write(outbox, "b2.rpz", "b.example. CNAME . ; signed by the new key\n");
        byte[] zoneB3 = write(outbox, "b3.rpz", "b.example. CNAME . ; after the revocation\n");
        byte[] big = new byte[3 * 4096 - 100];
        random.nextBytes(big);

        Map<String, String> cases = new LinkedHashMap<>(); // transfer id -> what is wrong with it
        Map<String, byte[]> inPlace;
        List<ProducerRecord<byte[], byte[]>> bByOld;
        List<ProducerRecord<byte[], byte[]>> bByNew;
        long v2;
        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, workDir,
                workDir.resolve("worker.log"), restPort, worker, sink)) {
            connect.awaitRunning(name, TIMEOUT);
            publish("data", "--to", HOST, "--sign", data.file().toString(), "--fleet", FLEET,
                    "zones/a.rpz=" + outbox.resolve("a.rpz"));
            publish("config", "--to", HOST, "--sign", config.file().toString(), "--fleet", FLEET,
                    "config.yaml=" + outbox.resolve("config.yaml"));
            // Rotation: the old key signs b.rpz, then the new key (both trusted during the overlap).
            long v1 = System.currentTimeMillis();
            bByOld = transfer("zones/b.rpz", zoneB1, 4096, old, v1, FLEET);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                sendAll(producer, bByOld);
            }
            Await.until("b.rpz by the old key", TIMEOUT, () -> same(files.resolve("zones/b.rpz"), zoneB1),
                    connect::tail);
            String rotation = publish("rotated", "--to", HOST, "--sign", rotated.file().toString(), "--fleet",
                    FLEET, "zones/b.rpz=" + outbox.resolve("b2.rpz"));
            v2 = Long.parseLong(rotation.replaceAll("(?s).*file version (\\d+).*", "$1"));
            assertTrue(v2 > v1, "the new key's version is above the old key's: " + rotation);
            Await.until("the files in place", TIMEOUT, () -> same(files.resolve("zones/a.rpz"), zoneA)
                    && same(files.resolve("config.yaml"), yaml) && same(files.resolve("zones/b.rpz"), zoneB2),
                    connect::tail);
            inPlace = SignedDeliveryScenario.snapshot(files);

            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                long now = System.currentTimeMillis();
                cases.put(sendAll(producer, transfer("config.yaml", "evil: 1\n".getBytes(StandardCharsets.UTF_8),
                        4096, data, now, FLEET)), "a data key signs a configuration file");
                cases.put(sendAll(producer, transfer("lists/evil.rpz", zoneA, 4096, data, now, FLEET)),
                        "a data key signs a file outside its patterns");
                cases.put(sendAll(producer, transfer("zones/a.rpz", zoneB3, 4096, expired, now, FLEET)),
                        "an expired key");
                cases.put(sendAll(producer, transfer("zones/a.rpz", zoneB3, 4096, rotated, now, "staging")),
                        "another fleet");
                cases.put(sendAll(producer, transfer("zones/a.rpz", zoneB3, 4096, rotated, now, null)),
                        "form 1 on a host with a fleet");

                // A chunked transfer in flight, and two altered copies of its second chunk before the real one.
                List<ProducerRecord<byte[], byte[]>> bigRecords = transfer("zones/big.rpz", big, 4096, rotated, now,
                        FLEET);
                ProducerRecord<byte[], byte[]> recounted = withHeader(bigRecords.get(1), ProtocolHeaders.TOTAL_CHUNKS,
                        "4", bigRecords.get(1).value());
                ProducerRecord<byte[], byte[]> shortened = withHeader(bigRecords.get(1), ProtocolHeaders.TOTAL_CHUNKS,
                        "3", Arrays.copyOf(bigRecords.get(1).value(), 4000));
                sendAll(producer, List.of(bigRecords.get(0), recounted, shortened, bigRecords.get(1),
                        bigRecords.get(2)));
            }
            Await.until("big.rpz, whole, despite the altered copies", TIMEOUT,
                    () -> same(files.resolve("zones/big.rpz"), big), connect::tail);
            Map<String, String> reasons = deadLetters(dlq, 7, cases, connect);
            assertTrue(reasons.get("a data key signs a configuration file").contains("key id " + data.id()
                    + " may sign roles=data, not a configuration file"), reasons.toString());
            assertTrue(reasons.get("a data key signs a file outside its patterns").contains("may sign files "
                    + "[zones/*.rpz], not 'lists/evil.rpz'"), reasons.toString());
            assertTrue(reasons.get("an expired key").contains("is past key id " + expired.id()
                    + "'s not-after 2020-01-01T00:00:00Z"), reasons.toString());
            assertTrue(reasons.get("another fleet").contains("signed for fleet 'staging', and this host is in fleet "
                    + "'production'"), reasons.toString());
            assertTrue(reasons.get("form 1 on a host with a fleet").contains("signed in form 1, without a fleet id"),
                    reasons.toString());
            assertTrue(reasons.get("altered chunk 1").contains("chunk 2 of 4 holds 4096 bytes, which no chunk size "
                    + "gives"), reasons.toString());
            assertTrue(reasons.get("altered chunk 2").contains("chunk 2 of 3 holds 4000 bytes"), reasons.toString());
            assertUnchanged(inPlace, SignedDeliveryScenario.snapshot(files), "zones/big.rpz");
            assertFalse(Files.exists(files.resolve("lists")), "nothing outside the key's patterns appeared");

            // The old key is stolen: it signs b.rpz far ahead. Valid until revoked, so it lands.
            byte[] stolen = "b.example. CNAME evil.example. ; stolen key\n".getBytes(StandardCharsets.UTF_8);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                sendAll(producer, transfer("zones/b.rpz", stolen, 4096, old, 1L << 62, FLEET));
            }
            Await.until("the stolen key's b.rpz", TIMEOUT, () -> same(files.resolve("zones/b.rpz"), stolen),
                    connect::tail);
            Path list = outbox.resolve("revocations");
            Files.write(list, new RevocationList(java.util.Set.of(old.id()), Map.of("zones/b.rpz", v2)).toBytes());
            publish("revocation", "--to", HOST, "--sign", revoker.file().toString(), "--fleet", FLEET,
                    RevocationList.FILE_NAME + "=" + list);
            Await.until("the revocation applied", TIMEOUT, () -> connect.logText().contains("revoked key ids ["
                    + old.id() + "], version floors lowered {zones/b.rpz=" + v2 + "}"), connect::tail);
            assertFalse(Files.exists(files.resolve(RevocationList.FILE_NAME)), "the list is not a file in place");
        }

        // The revocation is in the store's journal: it holds across a restart.
        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, workDir,
                workDir.resolve("worker-2.log"), restPort, worker, sink)) {
            connect.awaitRunning(name, TIMEOUT);
            Await.until("the revocation in force after the restart", TIMEOUT, () -> connect.logText().contains(
                    "in force: revoked key ids [" + old.id() + "]"), connect::tail);
            byte[] again = "b.example. CNAME evil.example. ; stolen key again\n".getBytes(StandardCharsets.UTF_8);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                cases.put(sendAll(producer, transfer("zones/b.rpz", again, 4096, old, (1L << 62) + 1, FLEET)),
                        "the revoked key signs again");
                cases.put(sendAll(producer, bByOld), "a replay of the revoked key's earlier file");
            }
            String restored = publish("restored", "--to", HOST, "--sign", rotated.file().toString(), "--fleet",
                    FLEET, "zones/b.rpz=" + outbox.resolve("b3.rpz"));
            Await.until("b.rpz restored by the new key", TIMEOUT, () -> same(files.resolve("zones/b.rpz"), zoneB3),
                    connect::tail);
            assertTrue(restored.contains("file version " + ((1L << 62) + 1)), "the publisher signs above the newest "
                    + "version a host reported, the stolen one included: " + restored);
            bByNew = transfer("zones/b.rpz", zoneB2, 4096, rotated, v2, FLEET);
            try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
                cases.put(sendAll(producer, bByNew), "a rollback to the new key's earlier version");
            }
            Map<String, String> reasons = deadLetters(dlq, 10, cases, connect);
            System.out.println("Rejections in the dead letter queue:");
            reasons.forEach((which, reason) -> System.out.println("  " + which + ": " + reason));
            assertEquals("signed by key id " + old.id() + ", which the revocation list of version "
                    + revocationVersion(workDir) + " revokes", reasons.get("the revoked key signs again"));
            assertEquals(reasons.get("the revoked key signs again"),
                    reasons.get("a replay of the revoked key's earlier file"));
            assertTrue(reasons.get("a rollback to the new key's earlier version").contains("replayed or older "
                    + "version: 'zones/b.rpz' version " + v2), reasons.toString());
            assertArrayEquals(zoneB3, Files.readAllBytes(files.resolve("zones/b.rpz")));
            assertUnchanged(inPlace, SignedDeliveryScenario.snapshot(files), "zones/big.rpz", "zones/b.rpz",
                    "zones/b.rpz.backup");
        }
    }

    /** The revocation list's version, as the publisher printed it. */
    private static long revocationVersion(Path workDir) throws IOException {
        String out = Files.readString(workDir.resolve("publish-revocation.log"));
        return Long.parseLong(out.replaceAll("(?s).*file version (\\d+).*", "$1"));
    }

    private static void assertUnchanged(Map<String, byte[]> before, Map<String, byte[]> after, String... changed) {
        List<String> allowed = List.of(changed);
        java.util.Set<String> expectedNames = new java.util.TreeSet<>(before.keySet());
        java.util.Set<String> actualNames = new java.util.TreeSet<>(after.keySet());
        expectedNames.removeAll(allowed);
        actualNames.removeAll(allowed);
        assertEquals(expectedNames, actualNames, "no file appeared or vanished");
        for (String name : expectedNames) {
            assertArrayEquals(before.get(name), after.get(name), name + " is byte-identical");
        }
    }

    /**
     * The records of one transfer as the publisher makes them, signed by {@code key} at {@code version}: form 2
     * for {@code fleet}, or form 1 when fleet is null.
     */
    private static List<ProducerRecord<byte[], byte[]>> transfer(String name, byte[] content, int chunkSize, Key key,
            long version, String fleet) {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        int total = Math.max(1, (content.length + chunkSize - 1) / chunkSize);
        SignedFile file = new SignedFile(name, RecipientKind.HOSTNAME, HOST, integrity, version, fleet == null ? null
                : new SignedFile.Binding(fleet, total, total == 1 ? content.length : chunkSize));
        SignedVersion signed = SignatureBatch.sign(key.pair().getPrivate(), key.id(), List.of(file), 256).get(0);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            records.add(FileRecords.record(TOPIC, 0, RecipientMode.HOSTNAME, HOST, name, i, total, integrity, signed,
                    total == 1 ? content : Arrays.copyOfRange(content, (i - 1) * chunkSize,
                            Math.min(content.length, i * chunkSize))));
        }
        return records;
    }

    private static ProducerRecord<byte[], byte[]> withHeader(ProducerRecord<byte[], byte[]> record, String header,
            String value, byte[] content) {
        ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(record.topic(), record.partition(), record.key(),
                content);
        record.headers().forEach(h -> copy.headers().add(h.key().equals(header)
                ? new RecordHeader(header, value.getBytes(StandardCharsets.UTF_8)) : h));
        return copy;
    }

    /** Sends the records in order; returns their transfer id. */
    private static String sendAll(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        for (ProducerRecord<byte[], byte[]> record : records) {
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
        return new String(records.get(0).headers().lastHeader(ProtocolHeaders.TRANSFER_ID).value(),
                StandardCharsets.UTF_8);
    }

    /** The dead letters so far, by case (the altered chunks by their order), once {@code count} are there. */
    private Map<String, String> deadLetters(String topic, int count, Map<String, String> cases,
            StandaloneWorkerProcess connect) {
        List<ConsumerRecord<byte[], byte[]>> received =
                SignedDeliveryScenario.awaitDeadLetters(bootstrapServers, topic, count, connect);
        Map<String, String> reasons = new LinkedHashMap<>();
        int altered = 0;
        for (ConsumerRecord<byte[], byte[]> record : received) {
            String transferId = FileDeliveryScenario.headerText(record, "transfer-id");
            String which = cases.containsKey(transferId) ? cases.get(transferId) : "altered chunk " + ++altered;
            assertEquals(null, reasons.put(which, FileDeliveryScenario.headerText(record,
                    "__connect.errors.exception.message")), "one dead letter per case: " + which);
        }
        return reasons;
    }

    private KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private String publish(String label, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrapServers, "--topic", TOPIC));
        command.addAll(List.of(args));
        return PublisherProcess.publish(workDir, label, command);
    }

    private static byte[] write(Path dir, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(name), bytes);
        return bytes;
    }

    private static boolean same(Path file, byte[] expected) throws IOException {
        return FileDeliveryScenario.sameContent(file, expected);
    }
}
