package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.metrics.SinkMetrics;

/**
 * The core scenario on a real KRaft broker and a real standalone worker: chunked binary files, a foreign
 * host's file, configs valid and invalid, a hostile name; then the bytes on disk, the backups, the dead
 * letter queue and the consumer group's committed offsets.
 */
class ResolverFileSinkIT {
    private static final String TOPIC = EmbeddedResolverWorker.TOPIC;
    private static final String DLQ = "knot-resolver-dlq";
    private static final String CONNECTOR = "resolver-file-sink-resolver1";
    private static final int CHUNK = EmbeddedResolverWorker.CHUNK;

    @TempDir
    static Path work;

    private static Path filesDir;
    private static EmbeddedResolverWorker worker;
    private static EmbeddedConnectStandalone connect;

    @BeforeAll
    static void startWorker() throws Exception {
        filesDir = Files.createDirectory(work.resolve("files"));
        Files.createDirectory(work.resolve("outside"));
        worker = EmbeddedResolverWorker.start(3);
        connect = worker.connect();
        connect.kafka().createTopic(DLQ, 1);
        worker.runConnector(CONNECTOR, Map.of(
                "files.dir", filesDir.toString(),
                "resolver.hostname", "resolver1",
                "manager.notify.enabled", "false",
                "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", DLQ,
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void deliversFilesExactlyAndSafely() throws Exception {
        byte[] zoneV1 = "old zone\n".getBytes(StandardCharsets.UTF_8);
        byte[] zoneV2 = multibyteBinary(3 * CHUNK + 1234);
        byte[] config = "network:\n  listen:\n    - interface: 127.0.0.1@53\n".getBytes(StandardCharsets.UTF_8);
        byte[] invalidConfig = "{\"a\": 1, \"a\": 2}".getBytes(StandardCharsets.UTF_8);
        byte[] other = "for someone else\n".getBytes(StandardCharsets.UTF_8);

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(EmbeddedResolverWorker.file("resolver1", "zones/block.rpz", zoneV1, 0));
        records.addAll(EmbeddedResolverWorker.chunked("resolver1", "zones/block.rpz", zoneV2, 0));
        records.add(EmbeddedResolverWorker.file("resolver2", "other.rpz", other, 0));
        records.add(EmbeddedResolverWorker.file("resolver1", "config.yaml", config, 0));
        records.add(EmbeddedResolverWorker.file("resolver1", "config.yaml", invalidConfig, 0));  // must not replace the good one
        records.add(EmbeddedResolverWorker.file("resolver1", "bad.json", invalidConfig, 0));
        records.add(EmbeddedResolverWorker.file("resolver1", "../outside/escaped.rpz", other, 0));
        records.add(EmbeddedResolverWorker.file("resolver1", "/tmp/absolute.rpz", other, 0));
        records.add(EmbeddedResolverWorker.file("resolver2", "zones/block.rpz", other, 1));  // another host, another partition
        worker.send(records);

        awaitCommittedOffsetsAtEndOfTopic(CONNECTOR, TOPIC, 3, Duration.ofSeconds(60));

        assertEquals(sha256(zoneV2), sha256(Files.readAllBytes(filesDir.resolve("zones/block.rpz"))));
        assertArrayEquals(zoneV1, Files.readAllBytes(filesDir.resolve("zones/block.rpz.backup")));
        assertArrayEquals(config, Files.readAllBytes(filesDir.resolve("config.yaml")));
        assertFalse(Files.exists(filesDir.resolve("config.yaml.backup")), "rejected config made a backup");
        assertEquals(Set.of("config.yaml", "zones", "zones/block.rpz", "zones/block.rpz.backup"),
                visibleTree(filesDir), "only the delivered files, no chunks, temporaries or foreign files");
        try (Stream<Path> outside = Files.list(work.resolve("outside"))) {
            assertEquals(0, outside.count(), "something escaped the files directory");
        }
        assertFalse(Files.exists(Path.of("/tmp/absolute.rpz")));

        Map<String, String> reasons = deadLetterReasons(4);
        assertTrue(reasons.get("config.yaml").toLowerCase().contains("duplicate"), reasons.toString());
        assertTrue(reasons.get("bad.json").contains("line 1"), reasons.toString());
        assertTrue(reasons.containsKey("../outside/escaped.rpz"), reasons.toString());
        assertTrue(reasons.containsKey("/tmp/absolute.rpz"), reasons.toString());

        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(CONNECTOR, 1, "task stopped on bad input");
        assertTaskMetrics();
    }

    /** The task's counters, in its own JMX bean and among the worker's plugin metrics (Kafka 4.1+). */
    private static void assertTaskMetrics() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName own = SinkMetrics.jmxName(CONNECTOR);
        assertEquals(3L, jmx.getAttribute(own, "files-published"), "two versions of the zone and one config");
        assertEquals(2L, jmx.getAttribute(own, "records-rejected-invalid-config"));
        assertEquals(2L, jmx.getAttribute(own, "records-rejected-unsafe-name"));
        assertEquals(2L, jmx.getAttribute(own, "records-skipped"));
        assertEquals(4L, jmx.getAttribute(own, "chunks-staged"), "the zone's chunks");

        Set<ObjectName> plugin = jmx.queryNames(new ObjectName("kafka.connect:type=plugins,*"), null);
        ObjectName ours = plugin.stream().filter(n -> CONNECTOR.equals(n.getKeyProperty("connector")))
                .findFirst().orElseThrow(() -> new AssertionError("no plugin metrics for the task among " + plugin));
        assertEquals(3.0, ((Number) jmx.getAttribute(ours, "files-published")).doubleValue(), ours.toString());
    }

    /** Bytes whose 512 KiB boundaries fall inside multibyte UTF-8 sequences, followed by raw binary. */
    private static byte[] multibyteBinary(int size) {
        byte[] text = "é€😀ž".getBytes(StandardCharsets.UTF_8); // 2 + 3 + 4 + 2 bytes
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = text[i % text.length];
        }
        byte[] noise = new byte[4096];
        new Random(42).nextBytes(noise);
        System.arraycopy(noise, 0, out, size - noise.length, noise.length);
        for (int boundary = CHUNK; boundary < size - noise.length; boundary += CHUNK) {
            assertEquals(0x80, out[boundary] & 0xC0, "chunk boundary " + boundary + " must split a character");
        }
        return out;
    }

    @Test
    void offsetsAreCommittedWhenATransformRenamesTheTopic() throws Exception {
        Path renamedFiles = Files.createDirectory(work.resolve("renamed-files"));
        String name = "resolver-file-sink-renamed";
        String source = "knot-resolver-renamed-source";
        connect.kafka().createTopic(source, 1);
        worker.runConnector(name, Map.of(
                "topics", source,
                "files.dir", renamedFiles.toString(),
                "resolver.hostname", "resolver1",
                "manager.notify.enabled", "false",
                "errors.tolerance", "all",
                "transforms", "rename",
                "transforms.rename.type", "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.rename.regex", ".*",
                "transforms.rename.replacement", "renamed-by-a-transform"));
        byte[] zone = "renamed.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = EmbeddedResolverWorker.file("resolver1", "renamed.rpz", zone, 0);
        worker.send(List.of(new ProducerRecord<>(source, 0, record.key(), record.value(), record.headers())));
        awaitCommittedOffsetsAtEndOfTopic(name, source, 1, Duration.ofSeconds(60));
        assertArrayEquals(zone, Files.readAllBytes(renamedFiles.resolve("renamed.rpz")));
    }

    private static void awaitCommittedOffsetsAtEndOfTopic(String connector, String topic, int partitions,
            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = connect.kafka().createAdminClient()) {
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                ends.put(tp, connect.kafka().endOffset(tp));
            }
            Map<TopicPartition, Long> committed = Map.of();
            while (System.nanoTime() < deadline) {
                committed = admin.listConsumerGroupOffsets("connect-" + connector).partitionsToOffsetAndMetadata()
                        .get().entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
                Map<TopicPartition, Long> nonEmpty = ends.entrySet().stream().filter(e -> e.getValue() > 0)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                if (committed.entrySet().containsAll(nonEmpty.entrySet())) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("committed offsets " + committed + " did not reach the end " + ends);
        }
    }

    private static Map<String, String> deadLetterReasons(int expected) {
        Map<String, String> reasons = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : connect.kafka().consume(expected, 30_000, DLQ)) {
            Header reason = record.headers().lastHeader("__connect.errors.exception.message");
            reasons.put(new String(record.headers().lastHeader("file-name").value(), StandardCharsets.UTF_8),
                    reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8));
        }
        assertEquals(expected, reasons.size(), reasons.toString());
        return reasons;
    }

    private static Set<String> visibleTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root))
                    .map(p -> root.relativize(p).toString())
                    .filter(name -> !name.startsWith("."))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return io.github.kresconnect.filesink.protocol.TransferIntegrity.sha256HexOf(bytes);
    }
}
