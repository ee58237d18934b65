package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.RecipientPartitioner;

/**
 * One resolver host's life, end to end, against a real broker: the shipped configs (only paths, ports and
 * socket replaced) run by a real standalone worker from the unzipped component; files sent with the
 * publisher command as operators run it (bin/resolver-publish); then what the operator would check: bytes on
 * disk, backups, nothing for other hosts, bad input rejected without harm, reload and renew asked of the
 * manager, the worker's view of the connector, and the committed offsets.
 */
final class FileDeliveryScenario {
    static final String TOPIC = "knot-resolver";
    static final int CHUNK_SIZE = 512 * 1024;
    private Map<String, String> workerSettings = Map.of();
    /** Chunks of the file sent out of order: small, the chunk size is the producer's choice. */
    private static final int SHUFFLED_CHUNK_SIZE = 4 * 1024;
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaDistribution workerDist;
    private final String bootstrapServers;
    private final Admin admin;
    private final Path workDir;

    FileDeliveryScenario(KafkaDistribution workerDist, String bootstrapServers, Admin admin, Path workDir) {
        this.workerDist = workerDist;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        this.workDir = workDir;
    }

    /** The worker config as shipped, with this machine's broker, ports and paths. */
    /** Settings of the shipped worker.properties to run the scenario with instead of the shipped values. */
    FileDeliveryScenario withWorkerSettings(Map<String, String> settings) {
        this.workerSettings = Map.copyOf(settings);
        return this;
    }

    Path workerProperties(int restPort, Path pluginPath, Map<String, String> extra) throws IOException {
        return ShippedConfig.worker("worker.properties", workDir, bootstrapServers, restPort, pluginPath, extra,
                Map.of());
    }

    void run() throws Exception {
        Path filesDir = Files.createDirectories(workDir.resolve("files"));
        // A Unix socket's path must be short (about 100 bytes): a directory of its own under the system's
        // temporary directory, whatever the checkout's path.
        Path socketDir = Files.createTempDirectory("kres-manager");
        Path managerSocket = socketDir.resolve("kres-api.sock");
        try (FakeManager manager = FakeManager.start(managerSocket)) {
            deliver(filesDir, managerSocket, manager);
        } finally {
            Files.deleteIfExists(managerSocket);
            Files.deleteIfExists(socketDir);
        }
    }

    private void deliver(Path filesDir, Path managerSocket, FakeManager manager) throws Exception {
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        String hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");

        // Two partitions, so "offsets at the end" means something; the dead letter queue topic is created
        // beforehand, as resolver-sink.properties tells operators to.
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic(dlqTopic, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);

        Path pluginPath = workDir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = workerProperties(restPort, pluginPath, workerSettings);
        Path sink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("resolver-sink.properties"), Map.of(
                "files.dir", filesDir.toString(),
                "manager.socket.path", managerSocket.toString()));

        Random random = new Random(42);
        byte[] block = new byte[2 * CHUNK_SIZE + 1000]; // three chunks, the last one short
        random.nextBytes(block);
        byte[] shuffled = new byte[2 * SHUFFLED_CHUNK_SIZE + 100];
        random.nextBytes(shuffled);
        byte[] allowOld = "allow.example. CNAME rpz-passthru.\n".getBytes(StandardCharsets.UTF_8);
        byte[] allowNew = "allow.example. CNAME rpz-passthru.\nallow.test. CNAME rpz-passthru.\n"
                .getBytes(StandardCharsets.UTF_8);
        byte[] goodConfig = "network:\n  listen:\n    - interface: 127.0.0.1@5353\n".getBytes(StandardCharsets.UTF_8);
        byte[] badConfig = "network:\n  listen: [ {interface: 127.0.0.1@5353\n".getBytes(StandardCharsets.UTF_8);
        byte[] foreign = "for.another.host. CNAME .\n".getBytes(StandardCharsets.UTF_8);
        byte[] late = "late.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
        // The files as an operator has them before publishing: the names on the topic are given as NAME=PATH.
        Path outbox = Files.createDirectories(workDir.resolve("outbox"));
        Map<String, byte[]> sources = Map.of("block.rpz", block, "allow-old.rpz", allowOld, "allow-new.rpz", allowNew,
                "config-good.yaml", goodConfig, "config-bad.yaml", badConfig, "foreign.rpz", foreign, "late.rpz", late);
        for (Map.Entry<String, byte[]> source : sources.entrySet()) {
            Files.write(outbox.resolve(source.getKey()), source.getValue());
        }

        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(workerDist, workDir,
                workDir.resolve("worker.log"), restPort, worker, sink)) {
            assertPluginListed(connect);
            connect.awaitRunning(name, DELIVERY_TIMEOUT);

            // The publisher sends data files first and the config last, all of one recipient to one partition.
            String sent = publish("1", "--to", hostname, "--chunk-size", Integer.toString(CHUNK_SIZE),
                    file(outbox, "block.rpz", "block.rpz"), file(outbox, "allow.rpz", "allow-old.rpz"),
                    file(outbox, "config.yaml", "config-good.yaml"));
            assertTrue(sent.contains("Done: 3 files, 5 records acknowledged"), "block.rpz went in three chunks: " + sent);
            publish("2", "--to", "resolver2", file(outbox, "foreign.rpz", "foreign.rpz"));
            // Raw, because the publisher always sends chunks in order and every record of a recipient to the
            // partition its name hashes to: chunks arriving out of order (with a transfer id, which tells them
            // from an abandoned transfer's) must still be assembled in index order, and the other partition
            // gets a record so that its committed offset means something.
            int otherPartition = 1 - RecipientPartitioner.partition(hostname, 2);
            try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers)) {
                sendChunks(producer, otherPartition, hostname, "shuffled.rpz", shuffled, SHUFFLED_CHUNK_SIZE,
                        List.of(1, 3, 2));
            }
            publish("3", "--to", hostname, file(outbox, "allow.rpz", "allow-new.rpz"));
            // The publisher refuses an invalid config (it validates with the connector's own rules), so it goes
            // raw, after allow.rpz on the recipient's partition: the connector must reject it too.
            try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers)) {
                sendChunks(producer, RecipientPartitioner.partition(hostname, 2), hostname, "config.yaml", badConfig,
                        badConfig.length, List.of(1));
            }

            Await.until("block.rpz, shuffled.rpz, allow.rpz and config.yaml delivered", DELIVERY_TIMEOUT, () ->
                    sameContent(filesDir.resolve("block.rpz"), block)
                            && sameContent(filesDir.resolve("shuffled.rpz"), shuffled)
                            && sameContent(filesDir.resolve("allow.rpz"), allowNew)
                            && sameContent(filesDir.resolve("config.yaml"), goodConfig), connect::tail);
            assertEquals(sha256(block), sha256(Files.readAllBytes(filesDir.resolve("block.rpz"))),
                    "the chunked binary file is byte-identical");
            assertEquals(sha256(shuffled), sha256(Files.readAllBytes(filesDir.resolve("shuffled.rpz"))),
                    "the file whose chunks came out of order is byte-identical");
            assertArrayEquals(allowOld, Files.readAllBytes(filesDir.resolve("allow.rpz.backup")),
                    "the replaced file's previous content is its backup");

            awaitOffsetsAtEnd("connect-" + name, connect);
            // Everything was consumed and committed (the worker commits only after the dead letter queue
            // has the rejected records), so every record has had its effect by now.
            ConsumerRecord<byte[], byte[]> rejected = awaitDeadLetter(bootstrapServers, dlqTopic, "config.yaml", connect);
            assertArrayEquals(badConfig, rejected.value(), "the invalid config reaches the dead letter queue as sent");
            assertEquals(TOPIC, headerText(rejected, "__connect.errors.topic"));
            assertFalse(headerText(rejected, "__connect.errors.exception.message").isBlank(),
                    "the dead letter record says why it was rejected");
            assertArrayEquals(goodConfig, Files.readAllBytes(filesDir.resolve("config.yaml")),
                    "the invalid config never replaced the good one");
            assertEquals(Set.of(), namesContaining(filesDir, "foreign"), "nothing of another host's file");
            try (Stream<Path> work = Files.list(filesDir.resolve(".resolver-file-sink/store/work"))) {
                assertEquals(List.of(), work.toList(), "no work file is left once every transfer is done");
            }

            // The config file changed, so the manager is asked to reload, over its Unix socket (a pending
            // reload absorbs the renews the .rpz files asked for).
            manager.awaitRequests(r -> r.isPost() && r.path().equals("/reload") && r.transport().equals("unix"), 1,
                    DELIVERY_TIMEOUT);

            // Then only a data file changes: the manager is asked to renew. The renew comes a quiet period
            // (notify.quiet.period.ms, 5 s by default) after the file was published, so one received after the
            // file is seen on disk is one that re-reads it.
            publish("4", "--to", hostname, file(outbox, "late.rpz", "late.rpz"));
            Await.until("late.rpz delivered", DELIVERY_TIMEOUT,
                    () -> sameContent(filesDir.resolve("late.rpz"), late), connect::tail);
            long lateSeen = System.nanoTime();
            manager.awaitRequests(r -> r.isPost() && r.path().equals("/renew") && r.transport().equals("unix")
                    && r.nanoTime() > lateSeen, 1, DELIVERY_TIMEOUT);
            assertTrue(manager.posts().stream().allMatch(r -> r.path().equals("/reload") || r.path().equals("/renew")),
                    "only reload and renew are requested: " + manager.posts());

            assertInvalidConnectorConfigRejected(connect, name, filesDir);
            connect.awaitRunning(name, Duration.ofSeconds(10));
        }
    }

    private void assertPluginListed(StandaloneWorkerProcess connect) throws Exception {
        assertPluginListed(connect, HubComponent.projectVersion());
    }

    /** The worker found the connector in the unzipped component, with the component's version. */
    static void assertPluginListed(StandaloneWorkerProcess connect, String version) throws Exception {
        JsonNode plugins = connect.getJson("/connector-plugins");
        List<JsonNode> ours = new ArrayList<>();
        plugins.forEach(p -> {
            if ("io.github.kresconnect.filesink.ResolverFileSinkConnector".equals(p.path("class").asText())) {
                ours.add(p);
            }
        });
        assertEquals(1, ours.size(), "the connector is listed once among " + plugins);
        assertEquals("sink", ours.get(0).path("type").asText());
        assertEquals(version, ours.get(0).path("version").asText(), "the plugin reports the project's version");
    }

    /**
     * A configuration change that fails validation is refused with the reason, and the running connector keeps
     * the configuration it had.
     */
    private static void assertInvalidConnectorConfigRejected(StandaloneWorkerProcess connect, String name,
            Path filesDir) throws Exception {
        ObjectNode config = (ObjectNode) connect.getJson("/connectors/" + name + "/config");
        config.put("files.dir", "relative/files");
        HttpResponse<String> refused = connect.put("/connectors/" + name + "/config", JSON.writeValueAsString(config));
        assertEquals(400, refused.statusCode(), "an invalid config is refused: " + refused.body());
        assertTrue(refused.body().contains("files.dir"), "the refusal names the setting: " + refused.body());
        assertEquals(filesDir.toString(),
                connect.getJson("/connectors/" + name + "/config").path("files.dir").asText(),
                "the good config is still in place");
    }

    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Runs the publisher against this scenario's broker; fails unless every record was acknowledged. */
    private String publish(String run, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrapServers, "--topic", TOPIC));
        command.addAll(List.of(args));
        return PublisherProcess.publish(workDir, run, command);
    }

    /** The publisher's NAME=PATH argument: {@code source} in the outbox, sent as {@code name}. */
    private static String file(Path outbox, String name, String source) {
        return name + "=" + outbox.resolve(source);
    }

    /** Sends {@code content} to {@code partition} in chunks of {@code chunkSize}, in the given (1-based) order. */
    private static void sendChunks(KafkaProducer<String, byte[]> producer, int partition, String host,
            String fileName, byte[] content, int chunkSize, List<Integer> order) throws Exception {
        int total = (content.length + chunkSize - 1) / chunkSize;
        assertEquals(total, order.size(), "the order names every chunk");
        String transferId = TransferIntegrity.newTransferId();
        for (int index : order) {
            int from = (index - 1) * chunkSize;
            byte[] chunk = java.util.Arrays.copyOfRange(content, from, Math.min(content.length, from + chunkSize));
            ProducerRecord<String, byte[]> record = record(partition, host, fileName, chunk, index, total);
            record.headers().add(ProtocolHeaders.TRANSFER_ID, transferId.getBytes(StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.FILE_LENGTH,
                    Long.toString(content.length).getBytes(StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.FILE_SHA256, sha256(content).getBytes(StandardCharsets.UTF_8));
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One record as the protocol defines it: key and header 'file-name' the file's name, header 'hostname' the
     * recipient, chunk headers as UTF-8 decimal strings ({@code total} 0 sends none: a whole file).
     */
    static void send(KafkaProducer<String, byte[]> producer, String host, String fileName, byte[] content,
            int index, int total) throws Exception {
        producer.send(record(null, host, fileName, content, index, total)).get(30, TimeUnit.SECONDS);
    }

    /** As {@link #send}; a null {@code host} sends no 'hostname' header. */
    static ProducerRecord<String, byte[]> record(Integer partition, String host, String fileName,
            byte[] content, int index, int total) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(TOPIC, partition, fileName, content);
        if (host != null) {
            record.headers().add("hostname", host.getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add("file-name", fileName.getBytes(StandardCharsets.UTF_8));
        if (total > 0) {
            record.headers().add("total-chunks", Integer.toString(total).getBytes(StandardCharsets.UTF_8));
            record.headers().add("chunk-index", Integer.toString(index).getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    /** Waits for the dead letter record of {@code fileName}; fails if any other record is there. */
    static ConsumerRecord<byte[], byte[]> awaitDeadLetter(String bootstrapServers, String dlqTopic, String fileName,
            StandaloneWorkerProcess connect) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(dlqTopic, 0)));
            Await.until("a dead letter record for " + fileName, DELIVERY_TIMEOUT, () -> {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                return received.stream().anyMatch(r -> fileName.equals(headerText(r, "file-name")));
            }, connect::tail);
        }
        List<ConsumerRecord<byte[], byte[]>> forConfig = received.stream()
                .filter(r -> fileName.equals(headerText(r, "file-name"))).toList();
        assertEquals(1, forConfig.size(), "only " + fileName + " is rejected");
        assertEquals(1, received.size(), "nothing else reaches the dead letter queue");
        return forConfig.get(0);
    }

    /** Waits until the sink's consumer group has committed every partition of the topic up to its end. */
    private void awaitOffsetsAtEnd(String group, StandaloneWorkerProcess connect) {
        List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
        Map<TopicPartition, Long> endOffsets = new java.util.HashMap<>();
        Map<TopicPartition, Long> committed = new java.util.HashMap<>();
        Await.until("committed offsets of " + group + " at the end of " + TOPIC, DELIVERY_TIMEOUT, () -> {
            endOffsets.clear();
            admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(10, TimeUnit.SECONDS)
                    .forEach((p, info) -> endOffsets.put(p, info.offset()));
            committed.clear();
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            offsets.forEach((p, o) -> committed.put(p, o == null ? 0L : o.offset()));
            return partitions.stream().allMatch(p -> committed.getOrDefault(p, 0L).equals(endOffsets.get(p)));
        }, () -> "end offsets " + endOffsets + ", committed " + committed + "\n" + connect.tail());
    }

    static boolean sameContent(Path file, byte[] expected) throws IOException {
        return Files.isRegularFile(file) && Files.size(file) == expected.length
                && java.util.Arrays.equals(Files.readAllBytes(file), expected);
    }

    private static Set<String> namesContaining(Path dir, String part) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.map(p -> dir.relativize(p).toString()).filter(n -> n.contains(part))
                    .collect(Collectors.toSet());
        }
    }

    static String headerText(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return TransferIntegrity.sha256HexOf(bytes);
    }
}
