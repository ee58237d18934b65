package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.docs.DocBlocks;
import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * signatures.config.threshold=2 on a real standalone worker (Kafka 4.3.1, the component zip, the packaged publisher,
 * a fake manager): a configuration file signed and co-signed by the two configuration keys ({@code --sign},
 * {@code --cosign}) lands and makes the manager reload; one signed by one of them alone, or co-signed by a key that
 * is not trusted or by the data key, goes to the dead letter queue with the count and the reason, the file in place
 * stays byte-identical and no reload follows; a data file signed by the data key alone lands. Last, the detached
 * flow: a request written with the first key ({@code --write-request}), co-signed from it alone with the second
 * ({@code resolver-publish cosign}), sent with that co-signature file ({@code --request}, {@code --cosignature}):
 * it lands and reloads.
 */
class ConfigThresholdKafka4IT extends OwnKafka4Broker {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOPIC = FileDeliveryScenario.TOPIC;
    private static final String HOST = "resolver1";
    private static final String FLEET = "production";

    ConfigThresholdKafka4IT() {
        super("config-threshold-kafka-4.3.1");
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

    @Test
    void aConfigurationFileNeedsTwoKeysWhileADataFileNeedsOne() throws Exception {
        Path workDir = Files.createDirectories(runDir.resolve("scenario"));
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receiptsTopic = ShippedConfig.receiptsTopicOf(HOST); // the host's own, as shipped
        broker.admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1), new NewTopic(dlq, 1, (short) 1),
                new NewTopic(receiptsTopic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

        Path keys = Files.createDirectories(workDir.resolve("keys"));
        Key config1 = Key.make(keys, "config1");
        Key config2 = Key.make(keys, "config2");
        Key data = Key.make(keys, "data");
        Key stranger = Key.make(keys, "stranger"); // not trusted
        String trusted = String.join(" ", config1.entry("[roles=config]"), config2.entry("[roles=config]"),
                data.entry("[roles=data]"));

        Path pluginPath = workDir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker.properties", workDir, broker.bootstrapServers(), restPort,
                pluginPath, Map.of(), Map.of());
        Path files = Files.createDirectories(workDir.resolve("files"));
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        try (FakeManager manager = FakeManager.start(workDir.resolve("kres-api.sock"))) {
            Path sink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("sink.properties"),
                    Map.of("files.dir", files.toString(), "resolver.hostname", HOST,
                            "receipts.bootstrap.servers", broker.bootstrapServers(),
                            "manager.socket.path", manager.socket().toString()));
            SignedDeliveryScenario.append(sink, "notify.quiet.period.ms=200", "signatures.required=true",
                    "signatures.fleet=" + FLEET, "signatures.config.threshold=2",
                    "signatures.trusted.keys=" + trusted);

            Path outbox = Files.createDirectories(workDir.resolve("outbox"));
            byte[] zoneA = write(outbox, "a.rpz", "a.example. CNAME .\n");
            byte[] zoneB = write(outbox, "b.rpz", "b.example. CNAME .\n");
            byte[] good = write(outbox, "good.yaml", "network:\n  listen:\n    - interface: 127.0.0.1@5353\n");
            Map<String, String> refused = new LinkedHashMap<>(); // SHA-256 of the content -> the case
            refused.put(sha256(write(outbox, "one.yaml", "cache:\n  size-max: 1G\n")), "one of two");
            refused.put(sha256(write(outbox, "stranger.yaml", "cache:\n  size-max: 2G\n")), "untrusted co-signer");
            refused.put(sha256(write(outbox, "data.yaml", "cache:\n  size-max: 3G\n")), "data key co-signs");

            try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, workDir,
                    workDir.resolve("worker.log"), restPort, worker, sink)) {
                connect.awaitRunning(name, TIMEOUT);
                assertTrue(connect.logText().contains("signatures.config.threshold=2"), "the start line says it");

                publish(workDir, "data", "--to", HOST, "--sign", data.file().toString(), "--fleet", FLEET,
                        "zones/a.rpz=" + outbox.resolve("a.rpz"));
                Await.until("a data file signed by one key", TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(files.resolve("zones/a.rpz"), zoneA), connect::tail);
                manager.awaitRequests(r -> r.isPost() && r.path().equals("/renew"), 1, TIMEOUT);

                // The security page's block, as written: only the broker, the key files and the file's path replaced.
                List<String> documented = documentedCommand(Map.of("kafka1.example.net:9092", broker.bootstrapServers(),
                        "/etc/resolver-publish/config1.key", config1.file().toString(),
                        "/etc/resolver-publish/config2.key", config2.file().toString(),
                        "./config.yaml", outbox.resolve("good.yaml").toString()));
                String twoOfTwo = PublisherProcess.publish(workDir, "two-of-two", documented);
                assertTrue(twoOfTwo.contains("Co-signed with key ids " + config2.id() + "."), twoOfTwo);
                Await.until("config.yaml signed by two keys", TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(files.resolve("config.yaml"), good), connect::tail);
                manager.awaitRequests(r -> r.isPost() && r.path().equals("/reload"), 1, TIMEOUT);
                Map<String, byte[]> inPlace = SignedDeliveryScenario.snapshot(files);
                int postsBefore = manager.posts().size();

                publish(workDir, "one-of-two", "--to", HOST, "--sign", config1.file().toString(), "--fleet", FLEET,
                        "config.yaml=" + outbox.resolve("one.yaml"));
                publish(workDir, "untrusted-cosigner", "--to", HOST, "--sign", config1.file().toString(),
                        "--cosign", stranger.file().toString(), "--fleet", FLEET,
                        "config.yaml=" + outbox.resolve("stranger.yaml"));
                publish(workDir, "data-cosigner", "--to", HOST, "--sign", config1.file().toString(),
                        "--cosign", data.file().toString(), "--fleet", FLEET,
                        "config.yaml=" + outbox.resolve("data.yaml"));
                // Sent after them on the same partition: once it is in place and announced, they were handled.
                publish(workDir, "data-after", "--to", HOST, "--sign", data.file().toString(), "--fleet", FLEET,
                        "zones/b.rpz=" + outbox.resolve("b.rpz"));
                Await.until("b.rpz, sent after the refused configuration files", TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(files.resolve("zones/b.rpz"), zoneB), connect::tail);
                List<FakeManager.Request> later = manager.awaitPosts(postsBefore + 1, TIMEOUT)
                        .subList(postsBefore, postsBefore + 1);

                Map<String, String> reasons = deadLetters(dlq, 3, refused, connect);
                System.out.println("Rejections in the dead letter queue:");
                reasons.forEach((which, reason) -> System.out.println("  " + which + ": " + reason));
                assertTrue(reasons.get("one of two").contains("configuration file 'config.yaml' for hostname '"
                        + HOST + "'") && reasons.get("one of two").contains("carries valid signatures by 1 of the "
                        + "2 distinct keys needed (counted: key id " + config1.id() + "): "
                        + "signatures.config.threshold=2"), reasons.toString());
                assertTrue(reasons.get("untrusted co-signer").contains("by 1 of the 2 distinct keys needed "
                        + "(counted: key id " + config1.id() + "; not counted: key id " + stranger.id()
                        + ": not in the trusted keys)"), reasons.toString());
                assertTrue(reasons.get("data key co-signs").contains("not counted: key id " + data.id()
                        + ": out of scope: key id " + data.id() + " may sign roles=data, not a configuration file"),
                        reasons.toString());

                assertArrayEquals(good, Files.readAllBytes(files.resolve("config.yaml")), "config.yaml untouched");
                Map<String, byte[]> now = SignedDeliveryScenario.snapshot(files);
                now.remove("zones/b.rpz");
                assertEquals(inPlace.keySet(), now.keySet(), "no file appeared or vanished but b.rpz");
                inPlace.forEach((file, bytes) -> assertArrayEquals(bytes, now.get(file), file + " byte-identical"));
                assertEquals(List.of("/renew"), later.stream().map(FakeManager.Request::path).toList(),
                        "b.rpz renewed; the refused configuration files made no reload");
                assertEquals(1, manager.posts().stream().filter(r -> r.path().equals("/reload")).count(),
                        "one reload: the configuration file signed by two keys");

                // Detached: the request written where config1 is kept, co-signed from it alone where config2 is,
                // then sent with config2's co-signature file.
                byte[] detached = write(outbox, "detached.yaml", "cache:\n  size-max: 4G\n");
                Path request = workDir.resolve("config.request");
                Path cosignatures = workDir.resolve("config2.cosig");
                publish(workDir, "write-request", "--to", HOST, "--sign", config1.file().toString(), "--fleet", FLEET,
                        "--write-request", request.toString(), "config.yaml=" + outbox.resolve("detached.yaml"));
                assertArrayEquals(good, Files.readAllBytes(files.resolve("config.yaml")), "a request sends nothing");
                String cosigned = PublisherProcess.publish(workDir, "cosign", List.of("cosign", "--key",
                        config2.file().toString(), "--out", cosignatures.toString(), request.toString()));
                assertTrue(cosigned.contains("config.yaml  " + detached.length + " bytes  sha256 "
                        + sha256(detached)), cosigned);
                String sent = publish(workDir, "detached", "--to", HOST, "--sign", config1.file().toString(), "--fleet",
                        FLEET, "--request", request.toString(), "--cosignature", cosignatures.toString(),
                        "config.yaml=" + outbox.resolve("detached.yaml"));
                assertTrue(sent.contains("Co-signed with key ids " + config2.id() + "."), sent);
                Await.until("config.yaml co-signed from the request", TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(files.resolve("config.yaml"), detached), connect::tail);
                manager.awaitRequests(r -> r.isPost() && r.path().equals("/reload"), 2, TIMEOUT);
            }
        }
    }

    /** The dead letters, by case (found by the SHA-256 the record announced), once {@code count} are there. */
    private Map<String, String> deadLetters(String topic, int count, Map<String, String> cases,
            StandaloneWorkerProcess connect) {
        List<ConsumerRecord<byte[], byte[]>> received =
                SignedDeliveryScenario.awaitDeadLetters(broker.bootstrapServers(), topic, count, connect);
        Map<String, String> reasons = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : received) {
            String which = cases.get(FileDeliveryScenario.headerText(record, "file-sha256"));
            assertTrue(which != null, "a dead letter of a case: " + FileDeliveryScenario.headerText(record,
                    "__connect.errors.exception.message"));
            assertEquals(null, reasons.put(which, FileDeliveryScenario.headerText(record,
                    "__connect.errors.exception.message")), "one dead letter per case: " + which);
        }
        return reasons;
    }

    /**
     * The command of the block after {@code <!-- config-cosign -->} in docs/security.md, its words with the given
     * values replaced (the same words in the block, or the test fails), {@code resolver-publish} itself left out.
     */
    private static List<String> documentedCommand(Map<String, String> replaced) {
        List<DocBlocks.Block> marked = DocBlocks.all().stream().filter(b -> "<!-- config-cosign -->".equals(
                b.lineBefore())).toList();
        assertEquals(1, marked.size(), "one block after <!-- config-cosign -->: " + marked);
        List<String> words = new ArrayList<>(List.of(marked.get(0).commandText().replace("\\\n", " ").trim()
                .split("\\s+")));
        assertEquals("resolver-publish", words.remove(0), "the block runs resolver-publish: " + words);
        for (Map.Entry<String, String> value : replaced.entrySet()) {
            boolean found = false;
            for (int i = 0; i < words.size(); i++) {
                if (words.get(i).equals(value.getKey()) || words.get(i).endsWith("=" + value.getKey())) {
                    words.set(i, words.get(i).substring(0, words.get(i).length() - value.getKey().length())
                            + value.getValue());
                    found = true;
                }
            }
            assertTrue(found, "the block names " + value.getKey() + ": " + words);
        }
        return words;
    }

    private String publish(Path workDir, String label, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrapServers(), "--topic",
                TOPIC));
        command.addAll(List.of(args));
        return PublisherProcess.publish(workDir, label, command);
    }

    private static byte[] write(Path dir, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(name), bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(TransferIntegrity.newSha256().digest(bytes));
    }
}
